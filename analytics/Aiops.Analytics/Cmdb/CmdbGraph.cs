namespace Aiops.Analytics.Cmdb;

/// <summary>
/// An indexed, immutable view of a CMDB for graph queries. Every relation is an edge from the dependent
/// (<c>from</c>) to what it depends on (<c>to</c>): "upstream" follows edges, "downstream" reverses them.
/// </summary>
/// <remarks>
/// Built once per CMDB version (O(V·A) where A is the bounded ancestor count) and then shared read-only,
/// so any number of correlators or grains may query it concurrently. Ancestor lists are precomputed up
/// to <see cref="MaxAncestorDepth"/> hops (default 8) so the correlator does bounded work per event.
/// </remarks>
public sealed class CmdbGraph
{
    /// <summary>How far upstream ancestor lists reach (hops). Deeper estates are truncated.</summary>
    public const int MaxAncestorDepth = 8;

    private readonly ConfigurationItem[] _cis;
    private readonly Dictionary<string, int> _index;
    private readonly int[][] _parents;
    private readonly int[][] _children;
    private readonly RelationType[][] _parentTypes;
    private readonly int[][] _ancestors;
    private readonly byte[][] _ancestorDepths;
    private readonly int[] _closureSize;

    public CmdbGraph(CmdbDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        Document = document;
        _cis = [.. document.Cis];
        _index = new Dictionary<string, int>(_cis.Length, StringComparer.Ordinal);
        for (var i = 0; i < _cis.Length; i++) _index.TryAdd(_cis[i].Id, i);

        var parents = new List<(int, RelationType)>[_cis.Length];
        var children = new List<int>[_cis.Length];
        for (var i = 0; i < _cis.Length; i++) { parents[i] = []; children[i] = []; }
        foreach (var r in document.Relations)
        {
            if (!_index.TryGetValue(r.From, out var f) || !_index.TryGetValue(r.To, out var t) || f == t) continue;
            if (parents[f].Exists(p => p.Item1 == t)) continue;
            parents[f].Add((t, r.Type));
            children[t].Add(f);
        }
        _parents = [.. parents.Select(p => p.Select(x => x.Item1).ToArray())];
        _parentTypes = [.. parents.Select(p => p.Select(x => x.Item2).ToArray())];
        _children = [.. children.Select(c => c.ToArray())];

        _ancestors = new int[_cis.Length][];
        _ancestorDepths = new byte[_cis.Length][];
        _closureSize = new int[_cis.Length];
        var mark = new int[_cis.Length];
        Array.Fill(mark, -1);
        var queue = new List<(int Node, byte Depth)>();
        for (var i = 0; i < _cis.Length; i++)
        {
            // Breadth-first so each ancestor gets its shortest depth; the mark array guards cycles.
            queue.Clear();
            mark[i] = i;
            for (var head = -1; head < queue.Count; head++)
            {
                var (node, depth) = head < 0 ? (i, (byte)0) : queue[head];
                if (depth >= MaxAncestorDepth) continue;
                foreach (var p in _parents[node])
                {
                    if (mark[p] == i) continue;
                    mark[p] = i;
                    queue.Add((p, (byte)(depth + 1)));
                }
            }
            _ancestors[i] = [.. queue.Select(q => q.Node)];
            _ancestorDepths[i] = [.. queue.Select(q => q.Depth)];
            _closureSize[i]++;
            foreach (var a in _ancestors[i]) _closureSize[a]++;
        }
    }

    /// <summary>The document this graph was built from.</summary>
    public CmdbDocument Document { get; }

    /// <summary>Number of CIs.</summary>
    public int Count => _cis.Length;

    public ConfigurationItem this[int index] => _cis[index];

    public bool TryGetIndex(string id, out int index) => _index.TryGetValue(id, out index);

    public ConfigurationItem? Find(string id) => _index.TryGetValue(id, out var i) ? _cis[i] : null;

    /// <summary>Direct dependencies (what <paramref name="index"/> runs on / depends on / connects to / is a member of).</summary>
    public ReadOnlySpan<int> ParentsOf(int index) => _parents[index];

    /// <summary>Relation types aligned with <see cref="ParentsOf"/>.</summary>
    public ReadOnlySpan<RelationType> ParentTypesOf(int index) => _parentTypes[index];

    /// <summary>Direct dependents.</summary>
    public ReadOnlySpan<int> ChildrenOf(int index) => _children[index];

    /// <summary>Transitive dependencies within <see cref="MaxAncestorDepth"/>, nearest first (self excluded).</summary>
    public ReadOnlySpan<int> AncestorsOf(int index) => _ancestors[index];

    /// <summary>Hop counts aligned with <see cref="AncestorsOf"/>.</summary>
    public ReadOnlySpan<byte> AncestorDepthsOf(int index) => _ancestorDepths[index];

    /// <summary>1 + the number of CIs that (transitively, within the depth bound) depend on <paramref name="index"/>.</summary>
    public int ClosureSize(int index) => _closureSize[index];

    /// <summary>Direct upstream CIs of <paramref name="id"/> (empty if unknown).</summary>
    public IReadOnlyList<string> Upstream(string id) =>
        _index.TryGetValue(id, out var i) ? [.. _parents[i].Select(p => _cis[p].Id)] : [];

    /// <summary>Direct downstream CIs (dependents) of <paramref name="id"/>.</summary>
    public IReadOnlyList<string> Downstream(string id) =>
        _index.TryGetValue(id, out var i) ? [.. _children[i].Select(c => _cis[c].Id)] : [];

    /// <summary>Every CI that transitively depends on <paramref name="id"/> (its impact), nearest first, unbounded depth.</summary>
    public IReadOnlyList<string> Impact(string id) => Traverse(id, _children);

    /// <summary>Every CI <paramref name="id"/> transitively depends on, nearest first, unbounded depth.</summary>
    public IReadOnlyList<string> Dependencies(string id) => Traverse(id, _parents);

    /// <summary>
    /// Hops between two CIs ignoring edge direction, or -1 when they are not connected within
    /// <paramref name="maxHops"/> (default 16).
    /// </summary>
    public int Distance(string a, string b, int maxHops = 16)
    {
        if (!_index.TryGetValue(a, out var s) || !_index.TryGetValue(b, out var t)) return -1;
        if (s == t) return 0;
        var depth = new Dictionary<int, int> { [s] = 0 };
        var queue = new Queue<int>();
        queue.Enqueue(s);
        while (queue.Count > 0)
        {
            var n = queue.Dequeue();
            var d = depth[n];
            if (d >= maxHops) continue;
            foreach (var m in _parents[n].Concat(_children[n]))
            {
                if (depth.ContainsKey(m)) continue;
                if (m == t) return d + 1;
                depth[m] = d + 1;
                queue.Enqueue(m);
            }
        }
        return -1;
    }

    private List<string> Traverse(string id, int[][] edges)
    {
        var result = new List<string>();
        if (!_index.TryGetValue(id, out var start)) return result;
        var seen = new HashSet<int> { start };
        var queue = new Queue<int>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            foreach (var m in edges[queue.Dequeue()])
            {
                if (!seen.Add(m)) continue;
                result.Add(_cis[m].Id);
                queue.Enqueue(m);
            }
        }
        return result;
    }
}
