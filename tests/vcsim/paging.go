package main

// Paged property retrieval, as vCenter pages it (docs/simulator.md#paged-retrieval).
//
// vcsim 0.24's RetrievePropertiesEx ignores options.maxObjects, answers every object in one
// response built whole before its first byte, and has no ContinueRetrievePropertiesEx. Here
// RetrievePropertiesEx selects the objects (the filter's traversal, no properties), keeps them
// behind a token and collects only the first page's properties; ContinueRetrievePropertiesEx
// collects the next page, so each page costs its own objects, as a vCenter that "suspends the
// retrieval" at maxObjects does. The properties are collected by the simulator's own
// RetrievePropertiesEx, over the page's objects with the request's property specs.

import (
	"fmt"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// pagedRetrieval is what a token stands for: the objects still to be read, and how.
type pagedRetrieval struct {
	session   string                       // tokens are valid only in the session that got them
	collector types.ManagedObjectReference // ... and on the same PropertyCollector
	props     []types.PropertySpec
	refs      []types.ManagedObjectReference
	pageSize  int // 0: no limit
	// skipMissing: an object deleted since the selection is left out of its page, not a
	// ManagedObjectNotFound fault: when the request asked for reportMissingObjectsInResults,
	// or found its objects by traversal (a view), as vCenter's suspended retrieval does.
	skipMissing bool
}

type pager struct {
	policy int // -page-limit: at most this many objects a page, whatever maxObjects says; 0: none

	mu     sync.Mutex
	next   int
	tokens map[string]*pagedRetrieval
}

func newPager(policy int) *pager {
	return &pager{policy: policy, tokens: map[string]*pagedRetrieval{}}
}

// pagedMethod says whether a PropertyCollector method is answered by the pager.
func pagedMethod(method string) bool {
	switch method {
	case "RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx":
		return true
	}
	return false
}

// collector finds the PropertyCollector the client called: the session's own view of the
// singleton, or one the session created.
func (h *hook) collector(ctx *simulator.Context) (*simulator.PropertyCollector, *soap.Fault) {
	ref := h.target()
	var obj interface{} = simulator.Map.Get(ref) // no session: vcsim answers with NotAuthenticated values
	if ctx.Session != nil {
		obj = ctx.Session.Get(ref)
	}
	pc, ok := obj.(*simulator.PropertyCollector)
	if !ok {
		return nil, notFound(ref)
	}
	return pc, nil
}

func sessionKey(ctx *simulator.Context) string {
	if ctx.Session == nil {
		return ""
	}
	return ctx.Session.Key
}

func invalidToken() *soap.Fault {
	return simulator.Fault("", &types.InvalidArgument{InvalidProperty: "token"})
}

// page collects the properties of the retrieval's next page and returns them with the token of
// the rest (empty on the last page).
func (p *pager) page(ctx *simulator.Context, pc *simulator.PropertyCollector, r *pagedRetrieval) (*types.RetrieveResult, *soap.Fault) {
	n := len(r.refs)
	if r.pageSize > 0 && r.pageSize < n {
		n = r.pageSize
	}
	result := &types.RetrieveResult{}
	if n > 0 {
		objects := make([]types.ObjectSpec, n)
		for i, ref := range r.refs[:n] {
			objects[i] = types.ObjectSpec{Obj: ref}
		}
		spec := types.PropertyFilterSpec{ObjectSet: objects, PropSet: r.props}
		if r.skipMissing {
			spec.ReportMissingObjectsInResults = types.NewBool(true) // vcsim: skipped
		}
		res := pc.RetrievePropertiesEx(ctx, &types.RetrievePropertiesEx{
			This:    r.collector,
			SpecSet: []types.PropertyFilterSpec{spec},
		})
		if f := res.Fault(); f != nil {
			return nil, f
		}
		if got := res.(*methods.RetrievePropertiesExBody).Res.Returnval; got != nil {
			result.Objects = got.Objects
		}
	}
	r.refs = r.refs[n:]
	if len(r.refs) > 0 {
		p.mu.Lock()
		p.next++
		result.Token = fmt.Sprintf("vcplan-page-%d", p.next)
		p.tokens[result.Token] = r
		p.mu.Unlock()
	}
	return result, nil
}

// take removes a token: each is good for one call, in its session, on its collector.
func (p *pager) take(ctx *simulator.Context, collector types.ManagedObjectReference, token string) *pagedRetrieval {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.tokens[token]
	if !ok || r.session != sessionKey(ctx) || r.collector != collector {
		return nil
	}
	delete(p.tokens, token)
	return r
}

func (h *hook) RetrievePropertiesEx(ctx *simulator.Context, req *types.RetrievePropertiesEx) soap.HasFault {
	body := &methods.RetrievePropertiesExBody{}
	pc, fault := h.collector(ctx)
	if fault == nil && req.Options.MaxObjects < 0 {
		fault = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "maxObjects"})
	}
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	// The objects the filter selects, in the simulator's order, without their properties.
	selection := make([]types.PropertyFilterSpec, len(req.SpecSet))
	var props []types.PropertySpec
	skipMissing := false
	for i, spec := range req.SpecSet {
		if spec.ReportMissingObjectsInResults != nil && *spec.ReportMissingObjectsInResults {
			skipMissing = true
		}
		for _, o := range spec.ObjectSet {
			if len(o.SelectSet) > 0 {
				skipMissing = true
			}
		}
		selection[i] = spec
		selection[i].PropSet = make([]types.PropertySpec, len(spec.PropSet))
		for j, prop := range spec.PropSet {
			selection[i].PropSet[j] = types.PropertySpec{Type: prop.Type}
		}
		props = append(props, spec.PropSet...)
	}
	res := pc.RetrievePropertiesEx(ctx, &types.RetrievePropertiesEx{This: req.This, SpecSet: selection})
	if f := res.Fault(); f != nil {
		body.Fault_ = f
		return body
	}
	r := &pagedRetrieval{session: sessionKey(ctx), collector: h.target(), props: props, pageSize: int(req.Options.MaxObjects), skipMissing: skipMissing}
	if p := h.x.pager.policy; p > 0 && (r.pageSize == 0 || p < r.pageSize) {
		r.pageSize = p
	}
	if got := res.(*methods.RetrievePropertiesExBody).Res.Returnval; got != nil {
		for _, o := range got.Objects {
			r.refs = append(r.refs, o.Obj)
		}
	}
	result, fault := h.x.pager.page(ctx, pc, r)
	if fault != nil {
		body.Fault_ = fault
	} else if len(result.Objects) > 0 || result.Token != "" {
		body.Res = &types.RetrievePropertiesExResponse{Returnval: result}
	} else {
		body.Res = &types.RetrievePropertiesExResponse{} // nothing found: no returnval, as vCenter
	}
	return body
}

func (h *hook) ContinueRetrievePropertiesEx(ctx *simulator.Context, req *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := &methods.ContinueRetrievePropertiesExBody{}
	pc, fault := h.collector(ctx)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	r := h.x.pager.take(ctx, h.target(), req.Token)
	if r == nil {
		body.Fault_ = invalidToken()
		return body
	}
	result, fault := h.x.pager.page(ctx, pc, r)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: *result}
	return body
}

func (h *hook) CancelRetrievePropertiesEx(ctx *simulator.Context, req *types.CancelRetrievePropertiesEx) soap.HasFault {
	body := &methods.CancelRetrievePropertiesExBody{}
	if _, fault := h.collector(ctx); fault != nil {
		body.Fault_ = fault
	} else if h.x.pager.take(ctx, h.target(), req.Token) == nil {
		body.Fault_ = invalidToken()
	} else {
		body.Res = &types.CancelRetrievePropertiesExResponse{}
	}
	return body
}
