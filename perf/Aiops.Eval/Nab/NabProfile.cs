namespace Aiops.Eval.Nab;

/// <summary>One NAB application profile: the weights of a true positive, a false positive and a false negative.</summary>
/// <param name="Name">Profile name as NAB prints it (<c>standard</c>, <c>reward_low_FP_rate</c>, <c>reward_low_FN_rate</c>).</param>
public sealed record NabProfile(string Name, double TpWeight, double FpWeight, double FnWeight)
{
    /// <summary>A_TP 1, A_FP 0.11, A_FN 1.</summary>
    public static readonly NabProfile Standard = new("standard", 1.0, 0.11, 1.0);

    /// <summary>A_TP 1, A_FP 0.22, A_FN 1.</summary>
    public static readonly NabProfile RewardLowFp = new("reward_low_FP_rate", 1.0, 0.22, 1.0);

    /// <summary>A_TP 1, A_FP 0.11, A_FN 2.</summary>
    public static readonly NabProfile RewardLowFn = new("reward_low_FN_rate", 1.0, 0.11, 2.0);

    /// <summary>The three profiles in the order NAB reports them here.</summary>
    public static IReadOnlyList<NabProfile> All { get; } = [Standard, RewardLowFp, RewardLowFn];
}
