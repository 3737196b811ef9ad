# Provisioning as fleets do it: two VMs cloned from a template, each customized (hostname and a
# static address), handed its own cloud-init user data and metadata in extra_config (VMware's
# cloud-init datasource reads guestinfo.* keys), and tagged. The tag categories are declared
# here, so apply creates them and their tags when vCenter lacks them.
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
  apps = { # name => static address
    "ci-app-1" = "10.0.1.11"
    "ci-app-2" = "10.0.1.12"
  }
}

tag_category "env" {
  cardinality = "single"
  description = "the environment a VM belongs to"
  tags        = ["demo", "prod"]
}

tag_category "team" {
  cardinality = "multiple"
  description = "the teams that own a VM"
  tags        = ["web", "ops"]
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

      customize {
        hostname    = each.key
        domain      = "example.com"
        dns_servers = ["10.0.0.2"]
        network_interface {
          ipv4_address = each.value
          ipv4_prefix  = 24
          ipv4_gateway = "10.0.1.1"
        }
      }

      tags = {
        env  = "demo"
        team = ["web", "ops"]
      }

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
