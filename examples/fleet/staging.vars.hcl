# Variable values for a smaller staging fleet:
#   vcplan validate examples/fleet --var-file examples/fleet/staging.vars.hcl
environment = "staging"
web_count   = 1
datacenters = ["DC0"]
databases = {
  orders = { cpus = 2, memory_gb = 2, host = "DC0_C0_H2" }
}
