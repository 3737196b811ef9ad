# A standalone ESXi host: its one datacenter is always "ha-datacenter", and VMs live on the
# host itself. In govmomi's ESX simulator (vcsim -esx) the host is "localhost.localdomain".

vcplan {
  workspace = "lab-esxi"
}

vcenter {
  user = "root"
}

datacenter "ha-datacenter" {
  host "localhost.localdomain" {
    vm "lab-router" {
      cpus      = 1
      memory_mb = 256
      power     = "on"

      network_interface {
        network = "VM Network"
      }
    }

    vm "lab-builder" {
      cpus             = 4
      cores_per_socket = 2
      memory_mb        = 4096
      power            = "off"
      shutdown_timeout = 60
      depends_on       = ["lab-router"]

      disk {
        size_gb = 16
      }
    }
  }
}
