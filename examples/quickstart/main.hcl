# The quickstart: three new VMs in the demo simulator (`make demo`).
# The simulator already has VMs named like DC0_C0_RP0_VM0; these names are new.

vcplan {
  workspace = "quickstart"
}

datacenter "DC0" {
  cluster "DC0_C0" {
    vm "web" {
      count     = 2
      name      = "qs-web-${count.index + 1}"
      cpus      = 1
      memory_mb = 512
      power     = "on"
      datastore = "LocalDS_0"
      folder    = "quickstart"

      disk {
        size_gb = 1
      }

      network_interface {
        network = "VM Network"
      }
    }
  }

  host "DC0_H0" {
    vm "qs-db" {
      cpus       = 2
      memory_mb  = 1024
      annotation = "quickstart database"

      network_interface {
        network = "DC0_DVPG0"
      }
    }
  }
}
