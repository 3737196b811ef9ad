// vcsim-vcplan: VMware's govmomi vCenter simulator, configured for vcplan's tests and demo.
//
// It builds a simulator.VPX() (or simulator.ESX()) inventory of the requested size, serves it on
// the requested address (https when -tls-cert/-tls-key are given), checks logins against -user
// when given, and prints one line "VCSIM_URL=<url>" (without credentials) once it is ready.
// It runs until SIGINT/SIGTERM.
package main

import (
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func parseDelays(spec string) (map[string]int, error) {
	delays := map[string]int{}
	if spec == "" {
		return delays, nil
	}
	for _, item := range strings.Split(spec, ",") {
		parts := strings.SplitN(item, "=", 2)
		if len(parts) != 2 {
			return nil, fmt.Errorf("-method-delay: want Method=ms, got %q", item)
		}
		ms, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, fmt.Errorf("-method-delay: %q is not a number of milliseconds", parts[1])
		}
		delays[strings.TrimSpace(parts[0])] = ms
	}
	return delays, nil
}

// A guest that never shuts down: vcsim's ShutdownGuest powers the VM off at once, so this
// answers the call itself (success, nothing happens), as vCenter does while a hung guest ignores it.
const shutdownIgnored = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
	`xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
	`<soapenv:Body><ShutdownGuestResponse xmlns="urn:vim25"></ShutdownGuestResponse></soapenv:Body>` +
	`</soapenv:Envelope>`

func ignoreGuestShutdown(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, err := ioutil.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			if bytes.Contains(body, []byte("<ShutdownGuest")) {
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				fmt.Fprint(w, shutdownIgnored)
				return
			}
			r.Body = ioutil.NopCloser(bytes.NewReader(body))
		}
		inner.ServeHTTP(w, r)
	})
}

// vcsim changes a VM's configuration in place on ReconfigVM_Task (and custom values on SetField)
// without telling its property collectors, so a WaitForUpdatesEx never sees the change; vCenter
// does report it. After every call naming a VM, this re-announces the configuration properties
// vcplan watches (docs/simulator.md).
var vmArgument = regexp.MustCompile(`<(?:_this|entity)[^>]*type="VirtualMachine"[^>]*>([^<]+)</`)

func announceVMChanges(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Method == http.MethodPost {
			var err error
			body, err = ioutil.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			r.Body = ioutil.NopCloser(bytes.NewReader(body))
		}
		inner.ServeHTTP(w, r)
		match := vmArgument.FindSubmatch(body)
		if match == nil || !bytes.Contains(body, []byte("ReconfigVM_Task")) && !bytes.Contains(body, []byte("<SetField")) {
			return
		}
		ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: string(match[1])}
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok || vm.Config == nil {
			return
		}
		simulator.Map.WithLock(vm, func() {
			simulator.Map.Update(vm, []types.PropertyChange{
				{Name: "config.hardware.numCPU", Val: vm.Config.Hardware.NumCPU},
				{Name: "config.hardware.numCoresPerSocket", Val: vm.Config.Hardware.NumCoresPerSocket},
				{Name: "config.hardware.memoryMB", Val: vm.Config.Hardware.MemoryMB},
				{Name: "config.hardware.device", Val: vm.Config.Hardware.Device},
				{Name: "config.annotation", Val: vm.Config.Annotation},
				{Name: "config.extraConfig", Val: vm.Config.ExtraConfig},
				{Name: "customValue", Val: vm.CustomValue},
			})
		})
	})
}

func main() {
	dc := flag.Int("dc", 1, "datacenters")
	cluster := flag.Int("cluster", 1, "clusters per datacenter")
	host := flag.Int("host", 3, "hosts per cluster")
	standalone := flag.Int("standalone-host", 1, "standalone hosts per datacenter")
	vm := flag.Int("vm", 2, "VMs per resource pool (each cluster and each standalone host has one)")
	pool := flag.Int("pool", 0, "extra resource pools per cluster")
	ds := flag.Int("ds", 1, "datastores per datacenter")
	pg := flag.Int("pg", 1, "distributed portgroups per datacenter")
	folder := flag.Int("folder", 0, "datacenter folders")
	esx := flag.Bool("esx", false, "simulate a standalone ESXi host instead of a vCenter")
	autostart := flag.Bool("autostart", true, "power on the VMs the model creates")
	tools := flag.Bool("tools-running", false, "the model's VMs report VMware Tools running (guest shutdown)")
	hung := flag.Bool("guest-ignores-shutdown", false, "ShutdownGuest succeeds but the guest never powers off")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	user := flag.String("user", "", "user:password that logins must match (default: any non-empty)")
	cert := flag.String("tls-cert", "", "PEM server certificate (with -tls-key: serve https)")
	key := flag.String("tls-key", "", "PEM server key")
	delay := flag.Int("delay", 0, "milliseconds added to every SOAP call")
	methodDelay := flag.String("method-delay", "", "per-method delays, e.g. PowerOnVM_Task=300,PowerOffVM_Task=300")
	flag.Parse()

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	} else {
		model.Datacenter = *dc
		model.Cluster = *cluster
		model.ClusterHost = *host
		model.Host = *standalone
		model.Pool = *pool
		model.Portgroup = *pg
		model.Folder = *folder
	}
	model.Datastore = *ds
	model.Machine = *vm
	model.Autostart = *autostart
	delays, err := parseDelays(*methodDelay)
	if err != nil {
		log.Fatal(err)
	}
	model.DelayConfig.Delay = *delay
	model.DelayConfig.MethodDelay = delays

	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	if *tools {
		for _, entity := range simulator.Map.All("VirtualMachine") {
			guest := entity.(*simulator.VirtualMachine).Guest
			guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
			guest.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
		}
	}

	model.Service.Listen = &url.URL{Host: *listen}
	if *user != "" {
		parts := strings.SplitN(*user, ":", 2)
		if len(parts) != 2 {
			log.Fatal("-user: want user:password")
		}
		model.Service.Listen.User = url.UserPassword(parts[0], parts[1])
	}
	if *cert != "" || *key != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	}

	server := model.Service.NewServer()
	defer server.Close()
	if *hung {
		server.Config.Handler = ignoreGuestShutdown(server.Config.Handler)
	}
	server.Config.Handler = announceVMChanges(server.Config.Handler)

	u := *server.URL
	u.User = nil
	fmt.Printf("VCSIM_URL=%s\n", u.String())
	os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
