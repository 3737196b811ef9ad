# cloud-init through guestinfo: two VMs cloned from a template, each handed its own user data
# and metadata in extra_config (VMware's cloud-init datasource reads guestinfo.* keys).
# Runs against the demo simulator (`make demo`), where DC0_C0_RP0_VM0 stands in for a template.

vcplan {
  workspace = "cloud-init"
}

variable "ssh_keys" {
  type        = list(string)
  default     = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly ops@example.com"]
  description = "public keys allowed to log in as the default user"
}

locals {
  apps = toset(["ci-app-1", "ci-app-2"])
}

datacenter "DC0" {
  cluster "DC0_C0" {
    vm "app" {
      for_each  = local.apps
      name      = each.key
      template  = "DC0_C0_RP0_VM0"
      cpus      = 1
      memory_mb = 512
      folder    = "cloud-init"

      extra_config = {
        "guestinfo.metadata" = base64encode(yamlencode({
          "instance-id"    = each.key
          "local-hostname" = each.key
        }))
        "guestinfo.metadata.encoding" = "base64"
        "guestinfo.userdata" = base64encode(templatefile("user-data.yaml", {
          hostname = each.key
          ssh_keys = var.ssh_keys
        }))
        "guestinfo.userdata.encoding" = "base64"
      }
    }
  }
}
