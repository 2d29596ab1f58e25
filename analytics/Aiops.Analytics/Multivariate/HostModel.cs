using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Aiops.Analytics.Multivariate;

/// <summary>Settings of a <see cref="HostModel"/>. Defaults suit 10 s – 1 min metrics of one host.</summary>
public sealed record HostModelOptions
{
    /// <summary>Width of a time bucket in ms (default 60 000: one vector per minute, last value per series).</summary>
    public long BucketMs { get; init; } = 60_000;

    /// <summary>Most series one host model follows (default 16); samples of further series are ignored.</summary>
    public int MaxSeries { get; init; } = 16;

    /// <summary>Training window: the last this many closed buckets (default 1440 = one day of minutes).</summary>
    public int WindowBuckets { get; init; } = 1440;

    /// <summary>Buckets needed before the first training (default 240 = four hours of minutes).</summary>
    public int MinTrainBuckets { get; init; } = 240;

    /// <summary>Retrain after this many newly closed buckets (default 360 = every six hours of minutes).</summary>
    public int RetrainEveryBuckets { get; init; } = 360;

    /// <summary>Principal components kept (default 2; capped at series − 1 so a residual space remains).</summary>
    public int Rank { get; init; } = 2;

    /// <summary>Seed of the randomized PCA (default 1): the same input always gives the same model.</summary>
    public int Seed { get; init; } = 1;

    internal void Validate()
    {
        if (BucketMs <= 0 || MaxSeries < 2 || MaxSeries > 256 || WindowBuckets < 16 || MinTrainBuckets < 8
            || MinTrainBuckets > WindowBuckets || RetrainEveryBuckets < 1 || Rank < 1)
        {
            throw new ArgumentException($"invalid host model options: {this}");
        }
    }
}

/// <summary>One sample of one of the host's series.</summary>
/// <param name="TimestampUnixMs">Sample time, Unix ms.</param>
/// <param name="Series">Series name (metric + labels), unique within the host.</param>
/// <param name="Value">Sample value; non-finite values are ignored.</param>
public readonly record struct HostSample(long TimestampUnixMs, string Series, double Value);

/// <summary>Score of one closed bucket.</summary>
/// <param name="BucketStartUnixMs">Start of the bucket.</param>
/// <param name="Score">Joint-anomaly score in [0,1]: 0 when the vector is as well explained as training data.</param>
/// <param name="TopSeries">Series with the largest share of the reconstruction error (what to look at first).</param>
/// <param name="TopShare">That series' share of the squared reconstruction error, in [0,1].</param>
public readonly record struct HostScore(long BucketStartUnixMs, double Score, string TopSeries, double TopShare);

/// <summary>
/// Per-host multivariate anomaly model (DESIGN §6): catches joint anomalies that no single series shows, such as
/// two metrics that always move together suddenly moving apart while each stays in its usual range.
/// </summary>
/// <remarks>
/// <para>Samples are aligned on a time grid of <see cref="HostModelOptions.BucketMs"/> (last value per series per
/// bucket; a series without a sample in a bucket keeps its previous value). When a sample opens a newer bucket the
/// previous one closes: its vector is stored in a bounded ring (<see cref="HostModelOptions.WindowBuckets"/>) and,
/// once a model exists, scored. Samples of an already closed bucket are late and ignored
/// (<see cref="LateSamples"/>).</para>
/// <para>Training (every <see cref="HostModelOptions.RetrainEveryBuckets"/> buckets on the ring): each series is
/// normalised robustly by the window's median and MAD (so one outage in the window does not set the scale), then
/// ML.NET's <see cref="RandomizedPcaTrainer"/> fits <c>min(Rank, series − 1)</c> components. Only the trained
/// mean and eigenvectors are kept: scoring is a few dot products done here, no prediction engine per bucket.</para>
/// <para>Calibration: the model's own squared reconstruction errors on its training window give q, their 99th
/// percentile. A bucket with error e scores 0 when e ≤ q and 1 − q/e above it (2·q → 0.5, 10·q → 0.9), so the score
/// means "times worse explained than 99 % of the last day", whatever the host's number of series.</para>
/// <para>Memory: the ring holds WindowBuckets × MaxSeries floats (92 KiB with the defaults). The snapshot
/// (<see cref="WriteState"/>) holds the series names, the current bucket and the trained model (normalisation,
/// mean, eigenvectors, calibration), not the ring: after a restore the model keeps scoring and the ring refills,
/// and the next retraining waits for <see cref="HostModelOptions.MinTrainBuckets"/> new buckets.</para>
/// <para>Not thread-safe: one caller (the host's grain) drives it.</para>
/// </remarks>
public sealed class HostModel
{
    private const byte SnapshotVersion = 1;
    private const double CalibrationQuantile = 0.99;
    private const float ZClamp = 50f;

    private readonly HostModelOptions _options;
    private readonly List<string> _series = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly float[] _ring;          // WindowBuckets × MaxSeries raw values (NaN: not seen yet)
    private readonly float[] _current;       // last value per series (carried forward across buckets)
    private int _ringCount;
    private int _ringNext;
    private long _bucket = long.MinValue;    // index of the open bucket
    private int _sinceTraining;

    // Trained model (null when none); all arrays have Dims = number of series at training time.
    private Model? _model;

    /// <summary>Creates a model with <paramref name="options"/> (or the defaults).</summary>
    public HostModel(HostModelOptions? options = null)
    {
        _options = options ?? new HostModelOptions();
        _options.Validate();
        _ring = new float[_options.WindowBuckets * _options.MaxSeries];
        _current = new float[_options.MaxSeries];
        Array.Fill(_current, float.NaN);
    }

    /// <summary>Series followed, in the order they were first seen.</summary>
    public IReadOnlyList<string> Series => _series;

    /// <summary>True once a model has been trained (or restored).</summary>
    public bool IsTrained => _model is not null;

    /// <summary>Samples ignored because their bucket had already closed.</summary>
    public long LateSamples { get; private set; }

    /// <summary>Samples ignored because the host already has <see cref="HostModelOptions.MaxSeries"/> series.</summary>
    public long DroppedSeriesSamples { get; private set; }

    /// <summary>
    /// Feeds one sample. Returns the score of the bucket this sample closed, if it closed one and a model exists
    /// for the current set of series; otherwise null.
    /// </summary>
    public HostScore? Update(long timestampUnixMs, string series, double value)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!double.IsFinite(value))
        {
            return null;
        }

        long bucket = Math.DivRem(timestampUnixMs, _options.BucketMs, out long rem);
        if (rem < 0)
        {
            bucket--; // floor division for timestamps before 1970
        }

        if (_bucket != long.MinValue && bucket < _bucket)
        {
            LateSamples++;
            return null;
        }

        HostScore? closed = null;
        if (_bucket != long.MinValue && bucket > _bucket)
        {
            closed = CloseBucket();
        }

        _bucket = bucket;
        if (!_index.TryGetValue(series, out int slot))
        {
            if (_series.Count >= _options.MaxSeries)
            {
                DroppedSeriesSamples++;
                return closed;
            }

            slot = _series.Count;
            _series.Add(series);
            _index.Add(series, slot);
        }

        _current[slot] = (float)value;
        return closed;
    }

    /// <summary>
    /// Feeds a batch of samples (in time order) and appends the score of every bucket they close to
    /// <paramref name="scores"/>. Returns how many scores were appended. No allocation beyond the list's growth.
    /// </summary>
    public int Update(ReadOnlySpan<HostSample> samples, ICollection<HostScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        int n = 0;
        foreach (var s in samples)
        {
            if (Update(s.TimestampUnixMs, s.Series, s.Value) is { } score)
            {
                scores.Add(score);
                n++;
            }
        }

        return n;
    }

    private HostScore? CloseBucket()
    {
        int dims = _series.Count;
        HostScore? score = null;
        if (_model is { } m && m.Dims == dims && IsComplete(_current, dims))
        {
            score = m.Score(_current, _bucket * _options.BucketMs, _series);
        }

        // Store the bucket only once every series has a value: a half-seen vector would teach the PCA zeros.
        if (dims >= 2 && IsComplete(_current, dims))
        {
            Array.Copy(_current, 0, _ring, _ringNext * _options.MaxSeries, _options.MaxSeries);
            _ringNext = (_ringNext + 1) % _options.WindowBuckets;
            _ringCount = Math.Min(_ringCount + 1, _options.WindowBuckets);
            _sinceTraining++;
            bool due = _model is null || _model.Dims != dims
                ? _sinceTraining >= _options.MinTrainBuckets && _ringCount >= _options.MinTrainBuckets
                : _sinceTraining >= _options.RetrainEveryBuckets;
            if (due)
            {
                Train(dims);
            }
        }

        return score;
    }

    private static bool IsComplete(float[] vector, int dims)
    {
        for (int i = 0; i < dims; i++)
        {
            if (float.IsNaN(vector[i]))
            {
                return false;
            }
        }

        return true;
    }

    private void Train(int dims)
    {
        _sinceTraining = 0;
        // Use only buckets where all current series were present (older rows may predate a new series).
        var rows = new List<float[]>(_ringCount);
        for (int k = 0; k < _ringCount; k++)
        {
            int start = k * _options.MaxSeries;
            var row = new float[dims];
            Array.Copy(_ring, start, row, 0, dims);
            if (IsComplete(row, dims))
            {
                rows.Add(row);
            }
        }

        if (rows.Count < _options.MinTrainBuckets)
        {
            return;
        }

        var median = new float[dims];
        var mad = new float[dims];
        var column = new float[rows.Count];
        for (int j = 0; j < dims; j++)
        {
            for (int i = 0; i < rows.Count; i++)
            {
                column[i] = rows[i][j];
            }

            median[j] = Median(column);
            for (int i = 0; i < rows.Count; i++)
            {
                column[i] = Math.Abs(rows[i][j] - median[j]);
            }

            // 1.4826·MAD estimates σ for Gaussian data; a flat series falls back to 0.1 % of its level so its
            // first real movement stands out, as in the univariate detector.
            float floor = Math.Max(Math.Abs(median[j]) * 1e-3f, 1e-6f);
            mad[j] = Math.Max(1.4826f * Median(column), floor);
        }

        var normalised = new List<Row>(rows.Count);
        foreach (var r in rows)
        {
            var z = new float[dims];
            Normalise(r, median, mad, z, dims);
            normalised.Add(new Row { Features = z });
        }

        var ml = new MLContext(_options.Seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dims);
        var data = ml.Data.LoadFromEnumerable(normalised, schema);
        int rank = Math.Min(_options.Rank, dims - 1);
        var trainer = ml.AnomalyDetection.Trainers.RandomizedPca(
            new RandomizedPcaTrainer.Options { FeatureColumnName = nameof(Row.Features), Rank = rank, Seed = _options.Seed, EnsureZeroMean = true });
        var parameters = trainer.Fit(data).Model;

        VBuffer<float> meanBuffer = default;
        parameters.GetMean(ref meanBuffer);
        VBuffer<float>[] vectors = [];
        parameters.GetEigenVectors(ref vectors, out int trainedRank);
        var mean = new float[dims];
        if (meanBuffer.Length == dims)
        {
            meanBuffer.CopyTo(mean);
        }

        var eigen = new float[trainedRank * dims];
        for (int k = 0; k < trainedRank; k++)
        {
            vectors[k].CopyTo(eigen, k * dims);
        }

        var model = new Model(dims, trainedRank, median, mad, mean, eigen, 1f);
        var errors = new float[normalised.Count];
        for (int i = 0; i < errors.Length; i++)
        {
            errors[i] = model.Error(normalised[i].Features, default);
        }

        Array.Sort(errors);
        float q = errors[(int)Math.Min(errors.Length - 1, Math.Floor(CalibrationQuantile * errors.Length))];
        // Floor: a perfectly explained window (q = 0) must not make every later rounding error an alarm.
        model.Calibration = Math.Max(q, 1e-6f * dims);
        _model = model;
    }

    private static void Normalise(ReadOnlySpan<float> raw, float[] median, float[] mad, Span<float> z, int dims)
    {
        for (int j = 0; j < dims; j++)
        {
            z[j] = Math.Clamp((raw[j] - median[j]) / mad[j], -ZClamp, ZClamp);
        }
    }

    private static float Median(float[] values)
    {
        var copy = (float[])values.Clone();
        Array.Sort(copy);
        int n = copy.Length;
        return n % 2 == 1 ? copy[n / 2] : 0.5f * (copy[(n / 2) - 1] + copy[n / 2]);
    }

    /// <summary>Writes the snapshot (series, open bucket, trained model; not the training ring).</summary>
    public void WriteState(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(SnapshotVersion);
            w.Write(_bucket);
            w.Write(_sinceTraining);
            w.Write(_series.Count);
            for (int i = 0; i < _series.Count; i++)
            {
                w.Write(_series[i]);
                w.Write(_current[i]);
            }

            w.Write(_model is not null);
            _model?.Write(w);
        }

        output.Write(ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    /// <summary>
    /// Restores a snapshot written by <see cref="WriteState"/> with the same <paramref name="options"/>.
    /// The training ring starts empty. <see cref="FormatException"/> when the snapshot is corrupt.
    /// </summary>
    public static HostModel Restore(ReadOnlySpan<byte> state, HostModelOptions? options = null)
    {
        var m = new HostModel(options);
        try
        {
            using var ms = new MemoryStream(state.ToArray(), writable: false);
            using var r = new BinaryReader(ms, Encoding.UTF8);
            byte version = r.ReadByte();
            if (version != SnapshotVersion)
            {
                throw new FormatException($"host model snapshot version {version}, expected {SnapshotVersion}");
            }

            m._bucket = r.ReadInt64();
            m._sinceTraining = r.ReadInt32();
            int count = r.ReadInt32();
            if (count < 0 || count > m._options.MaxSeries)
            {
                throw new FormatException($"host model snapshot: {count} series, at most {m._options.MaxSeries}");
            }

            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                if (!m._index.TryAdd(name, i))
                {
                    throw new FormatException($"host model snapshot: series '{name}' twice");
                }

                m._series.Add(name);
                m._current[i] = r.ReadSingle();
            }

            if (r.ReadBoolean())
            {
                m._model = Model.Read(r);
                if (m._model.Dims > count)
                {
                    throw new FormatException("host model snapshot: model has more dimensions than series");
                }
            }

            if (ms.Position != ms.Length)
            {
                throw new FormatException($"host model snapshot has {ms.Length - ms.Position} trailing bytes");
            }
        }
        catch (EndOfStreamException e)
        {
            throw new FormatException("host model snapshot is truncated", e);
        }

        return m;
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class Model(int dims, int rank, float[] median, float[] mad, float[] mean, float[] eigen, float calibration)
    {
        public int Dims { get; } = dims;

        public float Calibration { get; set; } = calibration;

        /// <summary>Squared distance of normalised <paramref name="z"/> to the principal subspace.</summary>
        public float Error(ReadOnlySpan<float> z, Span<float> residual)
        {
            Span<float> c = stackalloc float[Dims];
            for (int j = 0; j < Dims; j++)
            {
                c[j] = z[j] - mean[j];
            }

            // Eigenvectors are orthonormal: residual = c − Σ (v·c) v.
            Span<float> r = residual.IsEmpty ? stackalloc float[Dims] : residual;
            c.CopyTo(r);
            for (int k = 0; k < rank; k++)
            {
                var v = eigen.AsSpan(k * Dims, Dims);
                float dot = 0;
                for (int j = 0; j < Dims; j++)
                {
                    dot += v[j] * c[j];
                }

                for (int j = 0; j < Dims; j++)
                {
                    r[j] -= dot * v[j];
                }
            }

            float e = 0;
            for (int j = 0; j < Dims; j++)
            {
                e += r[j] * r[j];
            }

            return e;
        }

        public HostScore Score(float[] raw, long bucketStart, List<string> series)
        {
            Span<float> z = stackalloc float[Dims];
            Normalise(raw, median, mad, z, Dims);
            Span<float> residual = stackalloc float[Dims];
            float e = Error(z, residual);
            int top = 0;
            for (int j = 1; j < Dims; j++)
            {
                if (residual[j] * residual[j] > residual[top] * residual[top])
                {
                    top = j;
                }
            }

            double score = e <= Calibration ? 0.0 : 1.0 - (Calibration / e);
            double share = e > 0 ? residual[top] * residual[top] / e : 0.0;
            return new HostScore(bucketStart, score, series[top], share);
        }

        public void Write(BinaryWriter w)
        {
            w.Write(Dims);
            w.Write(rank);
            w.Write(Calibration);
            foreach (var a in new[] { median, mad, mean, eigen })
            {
                foreach (float f in a)
                {
                    w.Write(f);
                }
            }
        }

        public static Model Read(BinaryReader r)
        {
            int dims = r.ReadInt32();
            int rank = r.ReadInt32();
            if (dims < 2 || dims > 256 || rank < 1 || rank >= dims)
            {
                throw new FormatException($"host model snapshot: corrupt model shape {dims}×{rank}");
            }

            float calibration = r.ReadSingle();
            float[] Floats(int n)
            {
                var a = new float[n];
                for (int i = 0; i < n; i++)
                {
                    a[i] = r.ReadSingle();
                    if (!float.IsFinite(a[i]))
                    {
                        throw new FormatException("host model snapshot: non-finite model value");
                    }
                }

                return a;
            }

            var median = Floats(dims);
            var mad = Floats(dims);
            var mean = Floats(dims);
            var eigen = Floats(rank * dims);
            if (!(calibration > 0) || mad.Any(x => !(x > 0)))
            {
                throw new FormatException("host model snapshot: corrupt scale or calibration");
            }

            return new Model(dims, rank, median, mad, mean, eigen, calibration);
        }
    }
}
