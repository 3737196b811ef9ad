variable "environment" {
  type        = string
  default     = "prod"
  description = "goes into names, folders and the workspace"
}

variable "web_count" {
  type        = number
  default     = 3
  description = "web servers per datacenter"
}

variable "datacenters" {
  type        = list(string)
  default     = ["DC0", "DC1"]
  description = "the datacenters that run the web tier"
}

variable "databases" {
  type = map(object({
    cpus      = number
    memory_gb = number
    host      = string
  }))
  default = {
    orders = { cpus = 4, memory_gb = 8, host = "DC0_C0_H0" }
    users  = { cpus = 2, memory_gb = 4, host = "DC0_C0_H1" }
  }
}
