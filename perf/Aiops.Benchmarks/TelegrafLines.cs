using System.Globalization;
using System.Text;

namespace Aiops.Benchmarks;

/// <summary>Realistic Telegraf output (cpu, mem, disk, system, net) with seeded, varying values.</summary>
internal static class TelegrafLines
{
    public static byte[] Build(int lines, int seed = 7)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        long timestamp = 1_700_000_000_000_000_000L;
        for (int i = 0; i < lines; i++)
        {
            string host = "web-" + (i % 17).ToString("D2", CultureInfo.InvariantCulture);

            // Telegraf prints percentages with limited precision; 2..6 decimals mimics its typical output.
            double p = Math.Round(random.NextDouble() * 100, 2 + (i % 5));
            switch (i % 5)
            {
                case 0:
                    text.Append(CultureInfo.InvariantCulture, $"cpu,cpu=cpu-total,host={host} usage_user={p},usage_system={Math.Round(p / 3, 4)},usage_idle={Math.Round(100 - p, 4)},usage_nice=0,usage_iowait={Math.Round(p / 7, 4)},usage_irq=0,usage_softirq={Math.Round(p / 50, 4)},usage_steal=0,usage_guest=0,usage_guest_nice=0 {timestamp}");
                    break;
                case 1:
                    text.Append(CultureInfo.InvariantCulture, $"mem,host={host} active={random.NextInt64(1L << 30)}i,available={random.NextInt64(1L << 33)}i,available_percent={p},buffered={random.Next()}i,cached={random.NextInt64(1L << 32)}i,free={random.NextInt64(1L << 32)}i,total=17179869184i,used={random.NextInt64(1L << 33)}i,used_percent={Math.Round(100 - p, 4)} {timestamp}");
                    break;
                case 2:
                    text.Append(CultureInfo.InvariantCulture, $"disk,device=nvme0n1p2,fstype=ext4,host={host},mode=rw,path=/var free={random.NextInt64(1L << 38)}i,inodes_free={random.Next()}i,inodes_total=30531584i,inodes_used={random.Next(1 << 20)}i,total=491173838848i,used={random.NextInt64(1L << 38)}i,used_percent={p} {timestamp}");
                    break;
                case 3:
                    text.Append(CultureInfo.InvariantCulture, $"system,host={host} load1={Math.Round(p / 10, 2)},load5={Math.Round(p / 12, 2)},load15={Math.Round(p / 15, 2)},n_cpus=16i,n_users=3i,uptime={random.Next()}i,uptime_format=\"12 days,  3:04\" {timestamp}");
                    break;
                default:
                    text.Append(CultureInfo.InvariantCulture, $"net,host={host},interface=eth0 bytes_recv={random.NextInt64(1L << 40)}u,bytes_sent={random.NextInt64(1L << 40)}u,drop_in=0u,drop_out=0u,err_in=0u,err_out=0u,packets_recv={random.NextInt64(1L << 32)}u,packets_sent={random.NextInt64(1L << 32)}u {timestamp}");
                    break;
            }

            text.Append('\n');
            timestamp += 2_000_000_000L;
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
