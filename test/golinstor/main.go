// golinstor-check drives a LINSTOR controller (the emulator, in the suite) with golinstor, the Go
// client that the Go CSI driver and the LINSTOR ecosystem use, through every call the Go driver
// makes, and checks that the answers decode and mean what golinstor expects.
//
// Usage: golinstor-check -url http://127.0.0.1:3370 [-nodes node-a,node-b,node-c] [-pool thin-pool]
// Prints "ok <step>" per step; on the first failure prints "FAIL <step>: <why>" and exits 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"
	"github.com/LINBIT/golinstor/clonestatus"
)

type checker struct {
	ctx   context.Context
	c     *client.Client
	nodes []string
	pool  string
}

func main() {
	rawURL := flag.String("url", "", "controller URL")
	nodes := flag.String("nodes", "node-a,node-b,node-c", "the cluster's nodes")
	pool := flag.String("pool", "thin-pool", "the thin pool every node has")
	flag.Parse()
	u, err := url.Parse(*rawURL)
	if err != nil || *rawURL == "" {
		fmt.Fprintln(os.Stderr, "golinstor-check: -url http://HOST:PORT is required")
		os.Exit(2)
	}
	c, err := client.NewClient(client.BaseURL(u))
	if err != nil {
		fmt.Fprintln(os.Stderr, "golinstor-check:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	k := &checker{ctx: ctx, c: c, nodes: strings.Split(*nodes, ","), pool: *pool}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"controller", k.controller},
		{"nodes", k.nodesAndPools},
		{"resource-groups", k.resourceGroups},
		{"spawn", k.spawn},
		{"resource-definitions", k.resourceDefinitions},
		{"whitelist", k.whitelist},
		{"autoplace", k.autoplace},
		{"make-available", k.makeAvailable},
		{"resize", k.resize},
		{"capacity", k.capacity},
		{"snapshots", k.snapshots},
		{"restore", k.restore},
		{"clone", k.clone},
		{"remotes", k.remotes},
		{"key-value-store", k.keyValueStore},
		{"cleanup", k.cleanup},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			fmt.Printf("FAIL %s: %v\n", s.name, err)
			os.Exit(1)
		}
		fmt.Printf("ok %s\n", s.name)
	}
}

func want(cond bool, format string, a ...any) error {
	if cond {
		return nil
	}
	return fmt.Errorf(format, a...)
}

func first(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (k *checker) controller() error {
	v, err := k.c.Controller.GetVersion(k.ctx)
	if err != nil {
		return err
	}
	props, err := k.c.Controller.GetProps(k.ctx)
	if err != nil {
		return err
	}
	reports, err := k.c.Controller.GetErrorReports(k.ctx)
	if err != nil {
		return err
	}
	return first(
		want(regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v.Version), "version %q is not x.y.z", v.Version),
		want(regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(v.GitHash), "git_hash %q is not a commit hash", v.GitHash),
		want(v.RestApiVersion == "1.28.0", "rest_api_version %q", v.RestApiVersion),
		want(props["DrbdOptions/Resource/on-no-quorum"] != "", "controller props lack DrbdOptions/Resource/on-no-quorum: %v", props),
		want(len(reports) == 0, "error reports: %v", reports),
	)
}

func (k *checker) nodesAndPools() error {
	nodes, err := k.c.Nodes.GetAll(k.ctx)
	if err != nil {
		return err
	}
	if err := want(len(nodes) == len(k.nodes), "%d nodes, want %d", len(nodes), len(k.nodes)); err != nil {
		return err
	}
	for _, n := range nodes {
		if err := want(n.Type == "SATELLITE" && n.ConnectionStatus == "ONLINE", "node %s: type %s, status %s", n.Name, n.Type, n.ConnectionStatus); err != nil {
			return err
		}
	}
	one, err := k.c.Nodes.Get(k.ctx, k.nodes[0])
	if err != nil {
		return err
	}
	_, missing := k.c.Nodes.Get(k.ctx, "no-such-node")
	pools, err := k.c.Nodes.GetStoragePoolView(k.ctx, &client.ListOpts{StoragePool: []string{k.pool}})
	if err != nil {
		return err
	}
	perNode, err := k.c.Nodes.GetStoragePools(k.ctx, k.nodes[0])
	if err != nil {
		return err
	}
	thin := pools[0]
	return first(
		want(one.Name == k.nodes[0], "Get(%s) answered %s", k.nodes[0], one.Name),
		want(errors.Is(missing, client.NotFoundError), "a missing node: %v, want NotFoundError", missing),
		want(len(pools) == len(k.nodes), "%d %s pools, want one per node", len(pools), k.pool),
		want(thin.ProviderKind == client.LVM_THIN && thin.TotalCapacity > 0 && thin.FreeCapacity <= thin.TotalCapacity, "pool %+v", thin),
		want(len(perNode) == 2, "node %s has %d pools, want the thin and the diskless pool", k.nodes[0], len(perNode)),
	)
}

func (k *checker) resourceGroups() error {
	rg := client.ResourceGroup{Name: "gl-rg", SelectFilter: client.AutoSelectFilter{PlaceCount: 2, StoragePool: k.pool}}
	if err := k.c.ResourceGroups.Create(k.ctx, rg); err != nil {
		return err
	}
	props := map[string]string{"StorPoolName": k.pool, "DrbdOptions/Resource/on-no-quorum": "suspend-io", "Aux/csi-test": "yes"}
	if err := k.c.ResourceGroups.Modify(k.ctx, "gl-rg", client.ResourceGroupModify{OverrideProps: props}); err != nil {
		return err
	}
	if err := k.c.ResourceGroups.CreateVolumeGroup(k.ctx, "gl-rg", client.VolumeGroup{}); err != nil {
		return err
	}
	got, err := k.c.ResourceGroups.Get(k.ctx, "gl-rg")
	if err != nil {
		return err
	}
	vgs, err := k.c.ResourceGroups.GetVolumeGroups(k.ctx, "gl-rg")
	if err != nil {
		return err
	}
	dflt, err := k.c.ResourceGroups.Get(k.ctx, "DfltRscGrp")
	if err != nil {
		return err
	}
	return first(
		want(got.Props["StorPoolName"] == k.pool && got.SelectFilter.PlaceCount == 2, "gl-rg: %+v", got),
		want(len(vgs) == 1 && vgs[0].VolumeNumber == 0, "volume groups: %+v", vgs),
		want(dflt.SelectFilter.PlaceCount == 2, "DfltRscGrp place_count %d, want 2", dflt.SelectFilter.PlaceCount),
	)
}

func (k *checker) diskful(rd string) ([]client.Resource, error) {
	all, err := k.c.Resources.GetAll(k.ctx, rd)
	if err != nil {
		return nil, err
	}
	var out []client.Resource
	for _, r := range all {
		if !hasFlag(r.Flags, "DISKLESS") {
			out = append(out, r)
		}
	}
	return out, nil
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

func (k *checker) spawn() error {
	err := k.c.ResourceGroups.Spawn(k.ctx, "gl-rg", client.ResourceGroupSpawn{ResourceDefinitionName: "gl-spawned", VolumeSizes: []int64{65536}})
	if err != nil {
		return err
	}
	disk, err := k.diskful("gl-spawned")
	if err != nil {
		return err
	}
	rd, err := k.c.ResourceDefinitions.Get(k.ctx, "gl-spawned")
	if err != nil {
		return err
	}
	return first(
		want(len(disk) == 2, "spawn placed %d diskful replicas, want 2", len(disk)),
		want(rd.ResourceGroupName == "gl-rg", "spawned RD is in group %q", rd.ResourceGroupName),
	)
}

func (k *checker) resourceDefinitions() error {
	rd := client.ResourceDefinitionCreate{ResourceDefinition: client.ResourceDefinition{
		Name: "gl-vol", ResourceGroupName: "gl-rg", Props: map[string]string{"Aux/csi-volume-name": "pvc-1"},
	}}
	if err := k.c.ResourceDefinitions.Create(k.ctx, rd); err != nil {
		return err
	}
	vd := client.VolumeDefinitionCreate{VolumeDefinition: client.VolumeDefinition{SizeKib: 32768}}
	if err := k.c.ResourceDefinitions.CreateVolumeDefinition(k.ctx, "gl-vol", vd); err != nil {
		return err
	}
	list, err := k.c.ResourceDefinitions.GetAll(k.ctx, client.RDGetAllRequest{Props: []string{"Aux/csi-volume-name=pvc-1"}})
	if err != nil {
		return err
	}
	vds, err := k.c.ResourceDefinitions.GetVolumeDefinitions(k.ctx, "gl-vol")
	if err != nil {
		return err
	}
	dup := k.c.ResourceDefinitions.Create(k.ctx, rd)
	return first(
		want(len(list) == 1 && list[0].Name == "gl-vol", "props filter answered %d RDs", len(list)),
		want(len(vds) == 1 && vds[0].SizeKib == 32768 && vds[0].Props["DrbdCurrentGi"] != "", "volume definitions: %+v", vds),
		want(client.IsApiCallError(dup, linstor.FailExistsRscDfn), "a second create: %v, want FAIL_EXISTS_RSC_DFN", dup),
	)
}

// whitelist sets what the Go driver sets (BalanceResourcesEnabled on DeleteVolume) and what the
// whitelist in properties.json allows, and expects a controller-only key to be refused.
func (k *checker) whitelist() error {
	ok := map[string]string{"BalanceResourcesEnabled": "false", "DrbdOptions/SkipDisk": "True", "FileSystem/User": "1000", "sys/fs/blkio_throttle_read": "1000000"}
	if err := k.c.ResourceDefinitions.Modify(k.ctx, "gl-vol", client.GenericPropsModify{OverrideProps: ok}); err != nil {
		return err
	}
	bad := k.c.ResourceDefinitions.Modify(k.ctx, "gl-vol", client.GenericPropsModify{OverrideProps: map[string]string{"MaxOversubscriptionRatio": "2"}})
	var rcs client.ApiCallError
	if !errors.As(bad, &rcs) || len(rcs) == 0 {
		return fmt.Errorf("a controller-only key on an RD: %v, want an ApiCallError", bad)
	}
	got, err := k.c.ResourceDefinitions.Get(k.ctx, "gl-vol")
	if err != nil {
		return err
	}
	return first(
		want(rcs[0].Is(linstor.FailInvldProp), "ret_code %d, want FAIL_INVLD_PROP", rcs[0].RetCode),
		want(rcs[0].Cause == "The key 'MaxOversubscriptionRatio' is not whitelisted.", "cause %q", rcs[0].Cause),
		want(got.Props["BalanceResourcesEnabled"] == "false" && got.Props["DrbdOptions/SkipDisk"] == "True", "props %v", got.Props),
	)
}

func (k *checker) autoplace() error {
	err := k.c.Resources.Autoplace(k.ctx, "gl-vol", client.AutoPlaceRequest{SelectFilter: client.AutoSelectFilter{PlaceCount: 2, StoragePool: k.pool}})
	if err != nil {
		return err
	}
	disk, err := k.diskful("gl-vol")
	if err != nil {
		return err
	}
	view, err := k.c.Resources.GetResourceView(k.ctx, &client.ListOpts{Resource: []string{"gl-vol"}})
	if err != nil {
		return err
	}
	for _, r := range view {
		if err := want(len(r.Volumes) == 1 && r.Volumes[0].DevicePath != "", "resource %s on %s: volumes %+v", r.Name, r.NodeName, r.Volumes); err != nil {
			return err
		}
		if err := want(r.State != nil && r.State.InUse != nil && !*r.State.InUse, "resource on %s: state %+v", r.NodeName, r.State); err != nil {
			return err
		}
	}
	return want(len(disk) == 2, "autoplace gave %d diskful replicas, want 2", len(disk))
}

func (k *checker) makeAvailable() error {
	disk, err := k.diskful("gl-vol")
	if err != nil {
		return err
	}
	target := ""
	for _, n := range k.nodes {
		found := false
		for _, r := range disk {
			found = found || strings.EqualFold(r.NodeName, n)
		}
		if !found {
			target = n
		}
	}
	if err := k.c.Resources.MakeAvailable(k.ctx, "gl-vol", target, client.ResourceMakeAvailable{}); err != nil {
		return err
	}
	r, err := k.c.Resources.Get(k.ctx, "gl-vol", target)
	if err != nil {
		return err
	}
	return want(hasFlag(r.Flags, "DISKLESS") && !hasFlag(r.Flags, "TIE_BREAKER"), "made available on %s: flags %v", target, r.Flags)
}

// resize grows the volume definition as ControllerExpandVolume does.
func (k *checker) resize() error {
	if err := k.c.ResourceDefinitions.ModifyVolumeDefinition(k.ctx, "gl-vol", 0, client.VolumeDefinitionModify{SizeKib: 40960}); err != nil {
		return err
	}
	vd, err := k.c.ResourceDefinitions.GetVolumeDefinition(k.ctx, "gl-vol", 0)
	if err != nil {
		return err
	}
	return want(vd.SizeKib == 40960, "size after resize %d KiB", vd.SizeKib)
}

// capacity asks what GetCapacity asks: the size a spawn from the group could get.
func (k *checker) capacity() error {
	info, err := k.c.ResourceGroups.QuerySizeInfo(k.ctx, "gl-rg", client.QuerySizeInfoRequest{})
	if err != nil {
		return err
	}
	groups, err := k.c.ResourceGroups.GetAll(k.ctx)
	if err != nil {
		return err
	}
	return first(
		want(info.SpaceInfo != nil && info.SpaceInfo.MaxVlmSizeInKib > 0 && len(info.Reports) == 0, "size info %+v", info),
		want(len(groups) == 2, "%d resource groups, want DfltRscGrp and gl-rg", len(groups)),
	)
}

func (k *checker) snapshots() error {
	if err := k.c.Resources.CreateSnapshot(k.ctx, client.Snapshot{Name: "gl-snap", ResourceName: "gl-vol"}); err != nil {
		return err
	}
	snaps, err := k.c.Resources.GetSnapshots(k.ctx, "gl-vol")
	if err != nil {
		return err
	}
	view, err := k.c.Resources.GetSnapshotView(k.ctx, &client.ListOpts{Snapshots: []string{"gl-snap"}})
	if err != nil {
		return err
	}
	_, missing := k.c.Resources.GetSnapshot(k.ctx, "gl-vol", "no-such-snap")
	if err := want(len(snaps) == 1, "%d snapshots, want 1", len(snaps)); err != nil {
		return err
	}
	s := snaps[0]
	return first(
		want(hasFlag(s.Flags, "SUCCESSFUL") && len(s.Nodes) == 2, "snapshot flags %v nodes %v", s.Flags, s.Nodes),
		want(s.SnapshotDefinitionProps["SequenceNumber"] != "", "snapshot_definition_props %v", s.SnapshotDefinitionProps),
		want(len(s.VolumeDefinitions) == 1 && s.VolumeDefinitions[0].SizeKib == 40960, "volume definitions %+v", s.VolumeDefinitions),
		want(len(view) == 1 && view[0].Name == "gl-snap", "snapshot view %+v", view),
		want(errors.Is(missing, client.NotFoundError), "a missing snapshot: %v", missing),
	)
}

func (k *checker) restore() error {
	rd := client.ResourceDefinitionCreate{ResourceDefinition: client.ResourceDefinition{Name: "gl-restored"}}
	if err := k.c.ResourceDefinitions.Create(k.ctx, rd); err != nil {
		return err
	}
	to := client.SnapshotRestore{ToResource: "gl-restored"}
	if err := k.c.Resources.RestoreVolumeDefinitionSnapshot(k.ctx, "gl-vol", "gl-snap", to); err != nil {
		return err
	}
	if err := k.c.Resources.RestoreSnapshot(k.ctx, "gl-vol", "gl-snap", to); err != nil {
		return err
	}
	disk, err := k.diskful("gl-restored")
	if err != nil {
		return err
	}
	vds, err := k.c.ResourceDefinitions.GetVolumeDefinitions(k.ctx, "gl-restored")
	if err != nil {
		return err
	}
	return first(
		want(len(disk) == 2, "restore placed %d diskful replicas, want 2", len(disk)),
		want(len(vds) == 1 && vds[0].SizeKib == 40960, "restored volume definitions %+v", vds),
	)
}

func (k *checker) clone() error {
	started, err := k.c.ResourceDefinitions.Clone(k.ctx, "gl-vol", client.ResourceDefinitionCloneRequest{Name: "gl-clone"})
	if err != nil {
		return err
	}
	if err := want(started.CloneName == "gl-clone" && started.SourceName == "gl-vol" && started.Location != "", "clone started %+v", started); err != nil {
		return err
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		st, err := k.c.ResourceDefinitions.CloneStatus(k.ctx, "gl-vol", "gl-clone")
		if err != nil {
			return err
		}
		switch st.Status {
		case clonestatus.Complete:
			return nil
		case clonestatus.Failed:
			return fmt.Errorf("clone FAILED")
		}
	}
	return fmt.Errorf("clone not COMPLETE after 60 s")
}

func (k *checker) remotes() error {
	all, err := k.c.Remote.GetAll(k.ctx)
	if err != nil {
		return err
	}
	s3, err := k.c.Remote.GetAllS3(k.ctx)
	if err != nil {
		return err
	}
	return want(len(all.S3Remotes)+len(all.LinstorRemotes)+len(all.EbsRemotes) == 0 && len(s3) == 0, "remotes %+v, s3 %+v", all, s3)
}

func (k *checker) keyValueStore() error {
	_, missing := k.c.KeyValueStore.Get(k.ctx, "gl-missing")
	if err := k.c.KeyValueStore.CreateOrModify(k.ctx, "gl-kvs", client.GenericPropsModify{OverrideProps: map[string]string{"csi/k": "v"}}); err != nil {
		return err
	}
	kv, err := k.c.KeyValueStore.Get(k.ctx, "gl-kvs")
	if err != nil {
		return err
	}
	list, err := k.c.KeyValueStore.List(k.ctx)
	if err != nil {
		return err
	}
	return first(
		want(errors.Is(missing, client.NotFoundError), "a missing store: %v, want NotFoundError", missing),
		want(kv.Name == "gl-kvs" && kv.Props["csi/k"] == "v", "store %+v", kv),
		want(len(list) == 1, "stores %+v", list),
		k.c.KeyValueStore.Delete(k.ctx, "gl-kvs"),
	)
}

func (k *checker) cleanup() error {
	if err := k.c.Resources.DeleteSnapshot(k.ctx, "gl-vol", "gl-snap"); err != nil {
		return err
	}
	// The diskless replica make-available added, as ControllerUnpublishVolume removes it.
	all, err := k.c.Resources.GetAll(k.ctx, "gl-vol")
	if err != nil {
		return err
	}
	for _, r := range all {
		if hasFlag(r.Flags, "DISKLESS") && !hasFlag(r.Flags, "TIE_BREAKER") {
			if err := k.c.Resources.Delete(k.ctx, "gl-vol", r.NodeName); err != nil {
				return fmt.Errorf("delete the diskless replica on %s: %w", r.NodeName, err)
			}
		}
	}
	for _, rd := range []string{"gl-clone", "gl-restored", "gl-vol", "gl-spawned"} {
		if err := k.c.ResourceDefinitions.Delete(k.ctx, rd); err != nil {
			return fmt.Errorf("delete %s: %w", rd, err)
		}
	}
	// Deleting what is gone answers a warning, which golinstor does not treat as an error.
	if err := k.c.ResourceDefinitions.Delete(k.ctx, "gl-vol"); err != nil {
		return fmt.Errorf("a second delete: %w", err)
	}
	return k.c.ResourceGroups.Delete(k.ctx, "gl-rg")
}
