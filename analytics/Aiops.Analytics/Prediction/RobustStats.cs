namespace Aiops.Analytics.Prediction;

/// <summary>Small robust-statistics helpers (Theil–Sen, median, MAD) over caller-owned scratch buffers, no allocation.</summary>
internal static class RobustStats
{
    /// <summary>Median of <paramref name="values"/>; reorders the span (quickselect, O(n) expected).</summary>
    public static double Median(Span<double> values)
    {
        int n = values.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        double hi = Select(values, n / 2);
        if ((n & 1) == 1)
        {
            return hi;
        }

        // After Select, every element left of n/2 is <= hi: the lower middle is their maximum.
        double lo = double.NegativeInfinity;
        for (int i = 0; i < n / 2; i++)
        {
            lo = Math.Max(lo, values[i]);
        }

        return 0.5 * (lo + hi);
    }

    /// <summary>k-th smallest (0-based); partially reorders the span.</summary>
    public static double Select(Span<double> a, int k)
    {
        int left = 0, right = a.Length - 1;
        while (right > left)
        {
            double pivot = MedianOf3(a[left], a[(left + right) >> 1], a[right]);
            int i = left, j = right;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }

                while (a[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return a[k];
            }
        }

        return a[k];
    }

    private static double MedianOf3(double a, double b, double c) =>
        a < b ? (b < c ? b : Math.Max(a, c)) : (a < c ? a : Math.Max(b, c));

    /// <summary>
    /// Theil–Sen slope of (x, y): the median of pairwise slopes. Chosen over least squares because a bucket that
    /// still holds a glitch, a short outage or a partial restart moves a median of ~1000 pair slopes hardly at all.
    /// <paramref name="scratch"/> must hold n(n-1)/2 values.
    /// </summary>
    public static double TheilSen(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> scratch)
    {
        int m = 0;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = i + 1; j < x.Length; j++)
            {
                double dx = x[j] - x[i];
                if (dx > 1e-9)
                {
                    scratch[m++] = (y[j] - y[i]) / dx;
                }
            }
        }

        return m == 0 ? double.NaN : Median(scratch[..m]);
    }

    /// <summary>1.4826 × median absolute deviation around <paramref name="center"/>: a robust standard deviation.</summary>
    public static double MadSigma(ReadOnlySpan<double> values, double center, Span<double> scratch)
    {
        for (int i = 0; i < values.Length; i++)
        {
            scratch[i] = Math.Abs(values[i] - center);
        }

        return 1.4826 * Median(scratch[..values.Length]);
    }
}
