# A fleet across two datacenters: a web tier in each, databases pinned to hosts in DC0,
# and a cache on DC0's standalone host. Try: vcplan validate examples/fleet --var web_count=5

vcplan {
  workspace = "fleet-${var.environment}"
}

locals {
  folder     = "${var.environment}/web"
  web_memory = 1024 * 2
  tags = {
    environment = var.environment
    owner       = "team-platform"
  }
  database_names = [for name in keys(var.databases) : "db-${name}"]
}

datacenter "DC0" {
  cluster "DC0_C0" {
    vm "db" {
      for_each         = var.databases
      name             = "db-${each.key}"
      cpus             = each.value.cpus
      cores_per_socket = each.value.cpus / 2
      memory_mb        = each.value.memory_gb * 1024
      host             = each.value.host # pinned: DRS does not move it
      folder           = "${var.environment}/db"
      power            = "on"
      attributes       = merge(local.tags, { role = "database" })

      disk {
        size_gb = 20
      }
      disk {
        size_gb = 100
      }

      network_interface {
        network = "VM Network"
      }

      lifecycle {
        prevent_destroy = true
      }
    }

    vm "web" {
      count      = contains(var.datacenters, "DC0") ? var.web_count : 0
      name       = format("web-dc0-%02d", count.index + 1)
      cpus       = 2
      memory_mb  = local.web_memory
      folder     = local.folder
      annotation = "web ${count.index + 1} of ${var.web_count}"
      attributes = merge(local.tags, { role = "web" })
      depends_on = local.database_names

      network_interface {
        network = "VM Network"
      }

      lifecycle {
        ignore_changes = ["annotation"]
      }
    }
  }

  host "DC0_H0" {
    vm "cache" {
      name      = "cache-${var.environment}"
      cpus      = 1
      memory_mb = 1024
      power     = "on"
    }
  }
}

datacenter "DC1" {
  cluster "DC1_C0" {
    vm "web" {
      count      = contains(var.datacenters, "DC1") ? var.web_count : 0
      name       = format("web-dc1-%02d", count.index + 1)
      cpus       = 2
      memory_mb  = local.web_memory
      folder     = local.folder
      attributes = merge(local.tags, { role = "web" })

      network_interface {
        network = "VM Network"
      }
    }
  }
}
