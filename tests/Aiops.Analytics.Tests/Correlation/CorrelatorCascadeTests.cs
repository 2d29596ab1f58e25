using Aiops.Analytics.Cmdb;
using Aiops.Analytics.Correlation;
using static Aiops.Analytics.Tests.Correlation.TestEstate;

namespace Aiops.Analytics.Tests.Correlation;

/// <summary>The cascade-shape rules: hop-by-hop merges, victims of a flapping root, relations lost from the CMDB, and the
/// silent-parent alternative in the root ranking.</summary>
public class CorrelatorCascadeTests
{
    private static Correlator Run(CmdbGraph g, IEnumerable<CorrelationEvent> events)
    {
        var c = new Correlator(g);
        foreach (var e in events.OrderBy(e => e.Time)) c.Add(e);
        return c;
    }

    private static List<Incident> Live(Correlator c) => [.. c.Incidents.Where(i => i.MergedInto is null && i.EventIds.Count > 0)];

    [Fact]
    public void Add_ServicesInQuietSubtreesFailAtOnce_NotMergedUnderTheCoreSwitch()
    {
        // Three services under different VMs, hypervisors and racks; nothing between them and the core switch
        // reports. A core switch failure would have travelled through those CIs: these are three faults.
        var (a, b, d) = (Ev("svc1-2", 0, score: 0.9), Ev("svc2-3", 10, score: 0.9), Ev("svc3-3", 20, score: 0.9));
        var c = Run(Graph(), [a, b, d]);
        Assert.Equal(3, Live(c).Count);
    }

    [Fact]
    public void Add_HypervisorsUnderASilentSwitchFailAtOnce_StillOneIncident()
    {
        // The same timing with the switch's direct dependents failing is a cascade from the silent switch.
        var c = Run(Graph(), [Ev("hv1", 0, EventKind.Down), Ev("hv2", 5, EventKind.Down), Ev("vm1-1", 15, EventKind.Down), Ev("vm2-2", 20, EventKind.Down)]);
        var inc = Assert.Single(Live(c));
        Assert.Equal("tor1", inc.RankRootCauses()[0].Ci);
    }

    [Fact]
    public void Add_VictimReportsAgainAfterTheJoinGap_RejoinsTheActiveIncident()
    {
        // hv1 goes down and its VMs follow; 20 minutes later (past the 15-min join gap, within the flap window)
        // one VM reports again while hv1 stays quiet: the root is flapping, not a new fault.
        var first = new[] { Ev("hv1", 0, EventKind.Down), Ev("vm1-1", 10, EventKind.Down), Ev("vm1-2", 20, EventKind.Down), Ev("svc1-1", 30) };
        var again = Ev("vm1-1", 20 * 60 + 30);
        var c = Run(Graph(), [.. first, again]);
        var inc = Assert.Single(Live(c));
        Assert.Contains(again.Id, inc.EventIds);
    }

    [Fact]
    public void Add_VictimReportsAgainAfterTheFlapWindow_OpensANewIncident()
    {
        var first = new[] { Ev("hv1", 0, EventKind.Down), Ev("vm1-1", 10, EventKind.Down), Ev("vm1-2", 20, EventKind.Down), Ev("svc1-1", 30) };
        var c = new Correlator(Graph());
        foreach (var e in first) c.Add(e);
        var late = c.Add(Ev("vm1-1", 2 * 3600));
        Assert.True(late.Opened);
    }

    /// <summary>One hypervisor with twelve VMs (and a rack); vm-lost lost its runs-on relation in the export.</summary>
    private static CmdbGraph LostRelationEstate()
    {
        var cis = new List<ConfigurationItem> { new("rack", "rack", "rack"), new("hv", "hypervisor", "hv"), new("hv-b", "hypervisor", "hv-b"), new("vm-lost", "host", "vm-lost") };
        var rels = new List<CmdbRelation> { new("hv", "rack", RelationType.MemberOf), new("hv-b", "rack", RelationType.MemberOf) };
        for (var i = 1; i <= 12; i++)
        {
            cis.Add(new ConfigurationItem($"vm{i}", "host", $"vm{i}"));
            rels.Add(new CmdbRelation($"vm{i}", i <= 10 ? "hv" : "hv-b", RelationType.RunsOn));
        }
        return new CmdbGraph(new CmdbDocument(cis, rels));
    }

    [Fact]
    public void Add_CiMissingTheRelationItsTypeUsuallyHas_JoinsTheCascadeOfThatParentType()
    {
        var c = Run(LostRelationEstate(), [Ev("hv", 0, EventKind.Down), Ev("vm1", 10, EventKind.Down), Ev("vm2", 20, EventKind.Down), Ev("vm-lost", 40, EventKind.Down)]);
        Assert.Single(Live(c));
    }

    [Fact]
    public void Add_PhysicalServerAmongVmsFailsDuringAHypervisorCascade_NotTakenForAVmThatLostItsHypervisor()
    {
        // srv is a host like the VMs but connects to a switch instead of running on a hypervisor: no VM has that
        // relation, so it is another kind of host, not one whose runs-on relation was lost.
        var d = Document();
        var doc = new CmdbDocument([.. d.Cis, new ConfigurationItem("srv", "host", "srv")],
            [.. d.Relations, new CmdbRelation("srv", "tor2", RelationType.ConnectsTo), new CmdbRelation("srv", "rack2", RelationType.MemberOf)]);
        var c = new Correlator(new CmdbGraph(doc));
        var hv = c.Add(Ev("hv1", 0, EventKind.Down));
        c.Add(Ev("vm1-1", 10, EventKind.Down));
        c.Add(Ev("vm1-2", 20, EventKind.Down));
        var srv = c.Add(Ev("srv", 40, EventKind.Down));
        Assert.NotEqual(hv.IncidentId, srv.IncidentId);
    }

    /// <summary>A database with two services, and eleven load balancers over two services each, except lb0,
    /// which lost one of its two relations in the export.</summary>
    private static CmdbGraph LoadBalancerEstate()
    {
        var cis = new List<ConfigurationItem> { new("db", "database", "db"), new("svc-x", "service", "svc-x"), new("svc-y", "service", "svc-y") };
        var rels = new List<CmdbRelation> { new("svc-x", "db", RelationType.DependsOn), new("svc-y", "db", RelationType.DependsOn) };
        for (var i = 0; i <= 10; i++)
        {
            cis.Add(new ConfigurationItem($"lb{i}", "load-balancer", $"lb{i}"));
            for (var j = 0; j < 2; j++)
            {
                cis.Add(new ConfigurationItem($"svc{i}-{j}", "service", $"svc{i}-{j}"));
                if (i > 0 || j == 0) rels.Add(new CmdbRelation($"lb{i}", $"svc{i}-{j}", RelationType.DependsOn));
            }
        }
        return new CmdbGraph(new CmdbDocument(cis, rels));
    }

    [Fact]
    public void Add_CiWithFewerRelationsThanNearlyAllOfItsType_JoinsTheCascadeOfThatParentType()
    {
        // lb0 has one service where every other load balancer has two: it lost one, and joins the cascade in
        // which services are failing right now.
        var c = new Correlator(LoadBalancerEstate());
        var db = c.Add(Ev("db", 0, EventKind.Down));
        c.Add(Ev("svc-x", 20));
        c.Add(Ev("svc-y", 30));
        var lb = c.Add(Ev("lb0", 60));
        Assert.Equal(db.IncidentId, lb.IncidentId);
        Assert.Equal("lostrelation", lb.Reason);
    }

    [Fact]
    public void Add_CiWithTheUsualNumberOfRelations_NoLostRelationFallback()
    {
        var c = new Correlator(LoadBalancerEstate());
        var db = c.Add(Ev("db", 0, EventKind.Down));
        c.Add(Ev("svc-x", 20));
        c.Add(Ev("svc-y", 30));
        var lb = c.Add(Ev("lb1", 60));
        Assert.NotEqual(db.IncidentId, lb.IncidentId);
    }

    [Fact]
    public void Add_CiWithoutRelationsInTheNextCycleOfAFlappingSwitch_RejoinsItsIncident()
    {
        // orph has no relation at all (and its type has no schema to infer one from): it joined tor1's cascade on
        // timing. Twenty minutes later tor1 fails again with its victims, and orph with them: it rejoins, as the
        // victims under the switch do.
        var d = Document();
        var c = new Correlator(new CmdbGraph(new CmdbDocument([.. d.Cis, new ConfigurationItem("orph", "appliance", "orph")], d.Relations)));
        var tor = c.Add(Ev("tor1", 0, EventKind.Down));
        foreach (var (ci, s) in new[] { ("hv1", 10), ("hv2", 15), ("vm1-1", 20), ("vm2-1", 25), ("vm1-2", 28), ("vm2-2", 30) }) c.Add(Ev(ci, s, EventKind.Down));
        var first = c.Add(Ev("orph", 40));
        c.Add(Ev("tor1", 1200, EventKind.Down));
        c.Add(Ev("hv1", 1210, EventKind.Down));
        var again = c.Add(Ev("orph", 1230));
        Assert.Equal(tor.IncidentId, first.IncidentId);
        Assert.Equal(tor.IncidentId, again.IncidentId);
    }

    [Fact]
    public void Add_CiMissingItsRelationLongAfterTheCascadeBegan_OpensItsOwnIncident()
    {
        var c = Run(LostRelationEstate(), [Ev("hv", 0, EventKind.Down), Ev("vm1", 10, EventKind.Down), Ev("vm2", 20, EventKind.Down), Ev("vm-lost", 12 * 60, EventKind.Down)]);
        Assert.Equal(2, Live(c).Count);
    }

    [Fact]
    public void RankRootCauses_CiLinkedThroughALostRelation_CountsUnderTheInferredParent()
    {
        // vm-lost joined through the learned schema; from then on hv covers it, so hv explains every member.
        var c = Run(LostRelationEstate(), [Ev("hv", 0, EventKind.Down), Ev("vm1", 10, EventKind.Down), Ev("vm2", 20, EventKind.Down), Ev("vm-lost", 40, EventKind.Down)]);
        var top = Assert.Single(Live(c)).RankRootCauses()[0];
        Assert.Equal("hv", top.Ci);
        Assert.Equal(1.0, top.Coverage, 6);
    }

    [Fact]
    public void Add_ChildAnomalyMinutesAfterItsParentsAnomaly_NotSuppressed()
    {
        // An anomaly is a blip: six minutes later, the service's own anomaly is not its VM's doing.
        var c = new Correlator(Graph());
        c.Add(Ev("vm1-1", 0));
        var child = c.Add(Ev("svc1-1", 6 * 60));
        Assert.True(child.Opened);
    }

    [Fact]
    public void Add_ChildAnomalyMinutesAfterItsParentWentDown_Suppressed()
    {
        // Down is a state: the VM is still down six minutes later and explains the service's symptom.
        var c = new Correlator(Graph());
        var parent = c.Add(Ev("vm1-1", 0, EventKind.Down));
        var child = c.Add(Ev("svc1-1", 6 * 60));
        Assert.Equal(parent.IncidentId, child.IncidentId);
        Assert.Equal("downstream", child.Reason);
    }

    [Fact]
    public void Add_MemberWhoseOtherParentFailsAfterItsLastSymptom_FollowsTheNewParent()
    {
        // svc1-1 runs on vm1-1 (under hv1) and depends on db1 (rack 2). hv1's fault reaches it first; then db1
        // fails on its own and svc1-1 reports again 30 s later: the new symptom is db1's doing.
        var c = new Correlator(Graph());
        var hv = c.Add(Ev("hv1", 0, EventKind.Down));
        c.Add(Ev("vm1-1", 20, EventKind.Down));
        c.Add(Ev("vm1-2", 22, EventKind.Down));
        c.Add(Ev("vm1-3", 25, EventKind.Down));
        c.Add(Ev("svc1-2", 35));
        var first = c.Add(Ev("svc1-1", 40));
        var db = c.Add(Ev("db1", 100));
        var again = c.Add(Ev("svc1-1", 130));
        Assert.Equal(hv.IncidentId, first.IncidentId);
        Assert.NotEqual(hv.IncidentId, db.IncidentId);
        Assert.Equal(db.IncidentId, again.IncidentId);
    }

    [Fact]
    public void Add_MemberWhoseOtherParentFailedBeforeItsLastSymptom_StaysInItsIncident()
    {
        // Same estate, but db1 was already failing when svc1-1 reported under hv1's cascade (its down VM, the
        // fresher failure, took it): nothing new happened above svc1-1 since, so its next symptom stays.
        var c = new Correlator(Graph());
        var db = c.Add(Ev("db1", 0));
        var hv = c.Add(Ev("hv1", 5, EventKind.Down));
        c.Add(Ev("vm1-1", 20, EventKind.Down));
        var first = c.Add(Ev("svc1-1", 40));
        var again = c.Add(Ev("svc1-1", 70));
        Assert.NotEqual(hv.IncidentId, db.IncidentId);
        Assert.Equal(hv.IncidentId, first.IncidentId);
        Assert.Equal(hv.IncidentId, again.IncidentId);
    }

    [Fact]
    public void Add_SwitchAboveAFewMembersOfAnExplainedCascade_NotTakenAsItsLateRoot()
    {
        // vm1-1 went down and explains its whole cascade (svc1-1, lb1, app1). tor2 then fails: it is upstream of
        // lb1 and app1 only, and the cascade's reporting root is not under it, so it is another fault.
        var c = new Correlator(Graph());
        var vm = c.Add(Ev("vm1-1", 0, EventKind.Down));
        c.Add(Ev("svc1-1", 20));
        c.Add(Ev("lb1", 40));
        c.Add(Ev("app1", 50));
        var tor = c.Add(Ev("tor2", 200, EventKind.Down));
        Assert.NotEqual(vm.IncidentId, tor.IncidentId);
    }

    [Fact]
    public void RankRootCauses_OneReportingVm_ItsHypervisorIsTheFirstAlternative()
    {
        // Only vm1-1 and the service on it report: the VM explains both, and a silent hv1 is the other
        // explanation (it would normally be demoted as an ancestor that explains nothing more).
        var c = Run(Graph(), [Ev("vm1-1", 0, EventKind.Down), Ev("svc1-1", 20)]);
        var ranked = Assert.Single(Live(c)).RankRootCauses();
        Assert.Equal("vm1-1", ranked[0].Ci);
        Assert.Equal("hv1", ranked[1].Ci);
    }

    [Fact]
    public void RankRootCauses_ParentReportsMinutesAfterItsDependents_DependentsOwnRootRanksFirst()
    {
        // hv3 (with db1 above svc3-2) reports an anomaly five minutes after vm3-1 went down with db1 on it: the
        // late report on hv3 is not the cause; vm3-1, which failed first, is.
        var c = Run(Graph(), [Ev("vm3-1", 0, EventKind.Down), Ev("db1", 15), Ev("svc3-2", 40), Ev("hv3", 5 * 60, score: 0.6)]);
        var inc = Live(c).Single(i => i.EventIds.Count >= 3);
        Assert.Equal("vm3-1", inc.RankRootCauses()[0].Ci);
    }

    [Fact]
    public void Add_LoneEventOnTheRootBetweenTwoFaults_DoesNotChainTheFlapWindow()
    {
        // A fault on hv1, one noise event on hv1 50 min later (it reopens the resolved incident: within the flap
        // window), and a new fault on hv1 55 min after that noise: 105 min after the first fault's last burst,
        // so it is a fault of its own; the lone event must not extend the flap window.
        var first = new[] { Ev("hv1", 0, EventKind.Down), Ev("vm1-1", 10, EventKind.Down), Ev("vm1-2", 20, EventKind.Down) };
        var noise = Ev("hv1", 50 * 60, score: 0.5);
        var second = new[] { Ev("hv1", 105 * 60, EventKind.Down), Ev("vm1-1", 105 * 60 + 10, EventKind.Down) };
        var c = new Correlator(Graph());
        var a = first.Select(c.Add).ToList();
        var n = c.Add(noise);
        var b = second.Select(c.Add).ToList();
        Assert.True(n.Reopened);
        Assert.True(b[0].Opened);
        Assert.NotEqual(a[0].IncidentId, b[0].IncidentId);
        Assert.Equal(b[0].IncidentId, b[1].IncidentId);
    }

    [Fact]
    public void Add_SiblingHypervisorMinutesIntoASilentHypervisorsCascade_OwnIncident()
    {
        // hv1 is silent while its three VMs fail: hv1 is that cascade's root. Had tor1 failed, hv1 would have
        // failed on the way and reported, so hv2 reporting five minutes later is another fault.
        var c = Run(Graph(), [Ev("vm1-1", 0), Ev("vm1-2", 10), Ev("vm1-3", 20), Ev("hv2", 5 * 60, score: 0.9)]);
        Assert.Equal(2, Live(c).Count);
        Assert.Contains(Live(c), i => i.RankRootCauses()[0].Ci == "hv1");
    }

    [Fact]
    public void Add_VmUnderTheSameArrayMomentsIntoASilentDatabasesCascade_OwnIncident()
    {
        // A silent database's two services fail; seconds later a VM on another hypervisor of the same storage
        // array reports. The array covers everything, but between it and the database sit a VM and a hypervisor
        // that stayed quiet: the array's failure would have crossed them. Two faults, even while the database's
        // cascade is younger than one propagation window.
        var cis = new List<ConfigurationItem>();
        var rels = new List<CmdbRelation>();
        void Ci(string id, string type) => cis.Add(new ConfigurationItem(id, type, id));
        void R(string from, string to, RelationType t) => rels.Add(new CmdbRelation(from, to, t));
        Ci("san", "storage");
        foreach (var h in new[] { "1", "2" })
        {
            Ci("hv" + h, "hypervisor");
            R("hv" + h, "san", RelationType.DependsOn);
            Ci("vm" + h, "host");
            R("vm" + h, "hv" + h, RelationType.RunsOn);
        }
        Ci("db", "database");
        R("db", "vm1", RelationType.RunsOn);
        foreach (var s in new[] { "svcA", "svcB" })
        {
            Ci(s, "service");
            R(s, "db", RelationType.DependsOn);
        }
        var c = Run(new CmdbGraph(new CmdbDocument(cis, rels)), [Ev("svcA", 0), Ev("svcB", 10), Ev("vm2", 30, EventKind.Down)]);
        Assert.Equal(2, Live(c).Count);
        Assert.Contains(Live(c), i => i.RankRootCauses()[0].Ci == "db");
    }

    [Fact]
    public void RankRootCauses_SilentQueuesCascadePlusOneStrayVmOfItsHypervisor_QueueRanksFirst()
    {
        // Four services of a silent message queue fail, then another VM on the queue's hypervisor reports and
        // joins. The hypervisor explains all five, the queue four; but between the hypervisor and the queue sits
        // the queue's VM, quiet: had the hypervisor failed, it would have failed too. The queue is the root.
        var cis = new List<ConfigurationItem>();
        var rels = new List<CmdbRelation>();
        void Ci(string id, string type) => cis.Add(new ConfigurationItem(id, type, id));
        void R(string from, string to, RelationType t) => rels.Add(new CmdbRelation(from, to, t));
        Ci("hv", "hypervisor");
        foreach (var vm in new[] { "vmq", "vmx" })
        {
            Ci(vm, "host");
            R(vm, "hv", RelationType.RunsOn);
        }
        Ci("mq", "message-queue");
        R("mq", "vmq", RelationType.RunsOn);
        var events = new List<CorrelationEvent>();
        for (var s = 1; s <= 4; s++)
        {
            Ci("svc" + s, "service");
            R("svc" + s, "mq", RelationType.DependsOn);
            events.Add(Ev("svc" + s, 10 * s));
        }
        events.Add(Ev("vmx", 60));
        var c = Run(new CmdbGraph(new CmdbDocument(cis, rels)), events);
        var inc = Assert.Single(Live(c));
        Assert.Equal("mq", inc.RankRootCauses()[0].Ci);
    }

    [Fact]
    public void Add_AnomalyOnTheVmMinutesAfterItsServicesCascade_DoesNotAbsorbThatCascade()
    {
        // svc1-1 fails with its load balancer and application; five and a half minutes later its VM reports one
        // anomaly. A cause precedes its effects (within the late-root window): the VM's event is not the root
        // of the service's cascade, so the cascade keeps its own incident and its own root.
        var c = Run(Graph(), [Ev("svc1-1", 0, score: 0.9), Ev("lb1", 20), Ev("app1", 40), Ev("vm1-1", 330, score: 0.6)]);
        Assert.Equal(2, Live(c).Count);
        Assert.Contains(Live(c), i => i.EventIds.Count == 3 && i.RankRootCauses()[0].Ci == "svc1-1");
    }

    [Fact]
    public void RankRootCauses_TwoVmsOfASilentHypervisor_HypervisorRanksFirst()
    {
        // vm1-2 explains itself and its service, vm1-3 only itself: the silent hv1 explains all three.
        var c = Run(Graph(), [Ev("vm1-2", 0), Ev("svc1-2", 20), Ev("vm1-3", 40)]);
        var ranked = Assert.Single(Live(c)).RankRootCauses();
        Assert.Equal("hv1", ranked[0].Ci);
        Assert.False(ranked[0].Reported);
    }

    [Fact]
    public void RankRootCauses_AnomalyOnTheCoreDuringASilentSwitchsCascade_SilentSwitchRanksFirst()
    {
        // tor1 is silent; a core anomaly arrives during its cascade. The core explains one member more (itself),
        // but every other member hangs on it through the silent tor1, which would have to be a quiet
        // intermediate: tor1 is the root.
        var c = Run(Graph(), [Ev("hv1", 0, EventKind.Down), Ev("hv2", 5, EventKind.Down), Ev("vm1-1", 15, EventKind.Down),
            Ev("vm2-2", 20, EventKind.Down), Ev("core", 30, score: 0.9)]);
        var inc = Assert.Single(Live(c));
        Assert.Contains("core", inc.MemberCis);
        Assert.Equal("tor1", inc.RankRootCauses()[0].Ci);
    }

    [Fact]
    public void RankRootCauses_CiLinkedThroughALostRelationHoursAgo_CountsUnderItsNewParent()
    {
        // vm-lost was linked to hv during hv's cascade. Three hours later it fails with hv-b: the old link has
        // expired, so hv-b explains every member of the new incident.
        var c = Run(LostRelationEstate(), [Ev("hv", 0, EventKind.Down), Ev("vm1", 10, EventKind.Down), Ev("vm-lost", 40, EventKind.Down),
            Ev("hv-b", 3 * 3600, EventKind.Down), Ev("vm11", 3 * 3600 + 10, EventKind.Down), Ev("vm-lost", 3 * 3600 + 40, EventKind.Down)]);
        var inc = Live(c).Single(i => i.MemberCis.Contains("hv-b"));
        Assert.Contains("vm-lost", inc.MemberCis);
        var top = inc.RankRootCauses()[0];
        Assert.Equal("hv-b", top.Ci);
        Assert.Equal(1.0, top.Coverage, 6);
    }

    /// <summary>A database with eleven services depending on it; svc-lost lost that relation in the export and
    /// has a load balancer over it.</summary>
    private static CmdbGraph LostDependencyEstate()
    {
        var cis = new List<ConfigurationItem> { new("db", "database", "db"), new("svc-lost", "service", "svc-lost"), new("lb", "load-balancer", "lb") };
        var rels = new List<CmdbRelation> { new("lb", "svc-lost", RelationType.DependsOn) };
        for (var i = 1; i <= 11; i++)
        {
            cis.Add(new ConfigurationItem($"svc{i}", "service", $"svc{i}"));
            rels.Add(new CmdbRelation($"svc{i}", "db", RelationType.DependsOn));
        }
        return new CmdbGraph(new CmdbDocument(cis, rels));
    }

    [Fact]
    public void Add_HeadThatLostItsRelationReportsJustBeforeItsParent_FragmentFoldsAtItsNextEvent()
    {
        // svc-lost reports 3 s before the database (nothing to join yet); when the load balancer over it
        // reports, the fragment headed by svc-lost folds into the database's incident.
        var c = Run(LostDependencyEstate(), [Ev("svc-lost", 0), Ev("db", 3, score: 0.95), Ev("svc1", 10), Ev("lb", 30)]);
        var inc = Assert.Single(Live(c));
        Assert.Equal("db", inc.RankRootCauses()[0].Ci);
    }

    [Fact]
    public void Add_HeadThatLostItsRelationFailedMinutesBeforeTheParentType_StaysApart()
    {
        // The database fails two minutes after svc-lost: a cause precedes its effects, so no fold.
        var c = Run(LostDependencyEstate(), [Ev("svc-lost", 0), Ev("db", 120, score: 0.95), Ev("svc1", 130), Ev("lb", 140)]);
        Assert.Equal(2, Live(c).Count);
    }

    /// <summary>A core switch with ten ToR switches, two hypervisors per ToR and two VMs per hypervisor.</summary>
    private static CmdbGraph WideCoreEstate()
    {
        var cis = new List<ConfigurationItem> { new("core", "network-switch", "core") };
        var rels = new List<CmdbRelation>();
        foreach (var r in "abcdefghij")
        {
            cis.Add(new ConfigurationItem($"tor-{r}", "network-switch", $"tor-{r}"));
            rels.Add(new CmdbRelation($"tor-{r}", "core", RelationType.ConnectsTo));
            for (var h = 1; h <= 2; h++)
            {
                var hv = $"hv-{r}{h}";
                cis.Add(new ConfigurationItem(hv, "hypervisor", hv));
                rels.Add(new CmdbRelation(hv, $"tor-{r}", RelationType.ConnectsTo));
                for (var v = 1; v <= 2; v++)
                {
                    cis.Add(new ConfigurationItem($"vm-{r}{h}-{v}", "host", $"vm-{r}{h}-{v}"));
                    rels.Add(new CmdbRelation($"vm-{r}{h}-{v}", hv, RelationType.RunsOn));
                }
            }
        }
        return new CmdbGraph(new CmdbDocument(cis, rels));
    }

    [Fact]
    public void Add_SwitchFaultThenTwoMoreFourMinutesLaterUnderASilentCore_NotFoldedIntoOneStorm()
    {
        // tor-a fails; four minutes later tor-b and tor-c fail. A silent core failure would have reached most
        // of its ten switches within about one hop; three of ten, minutes apart, are faults of their own.
        var c = Run(WideCoreEstate(), [
            Ev("tor-a", 0, EventKind.Down), Ev("hv-a1", 5, EventKind.Down), Ev("vm-a1-1", 10, EventKind.Down), Ev("hv-a2", 15, EventKind.Down),
            Ev("tor-b", 240, EventKind.Down), Ev("hv-b1", 245, EventKind.Down), Ev("vm-b1-1", 247, EventKind.Down),
            Ev("tor-c", 250, EventKind.Down), Ev("hv-c1", 255, EventKind.Down), Ev("vm-c1-1", 257, EventKind.Down)]);
        var first = Live(c).Single(i => i.MemberCis.Contains("tor-a"));
        Assert.DoesNotContain("tor-b", first.MemberCis);
        Assert.DoesNotContain("tor-c", first.MemberCis);
    }
}
