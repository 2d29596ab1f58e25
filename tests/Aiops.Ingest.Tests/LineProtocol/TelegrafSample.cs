using System.Globalization;
using System.Text;

namespace Aiops.Ingest.Tests.LineProtocol;

/// <summary>Realistic Telegraf output (cpu, mem, disk, system, net) with varying values, for allocation tests.</summary>
internal static class TelegrafSample
{
    public static byte[] Build(int lines, int seed = 7)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        long timestamp = 1_700_000_000_000_000_000L;
        for (int i = 0; i < lines; i++)
        {
            string host = "web-" + (i % 17).ToString("D2", CultureInfo.InvariantCulture);
            double p = random.NextDouble() * 100;
            switch (i % 5)
            {
                case 0:
                    text.Append(CultureInfo.InvariantCulture, $"cpu,cpu=cpu-total,host={host},dc=eu-west-1 usage_user={p:R},usage_system={p / 3:R},usage_idle={100 - p:R},usage_nice=0,usage_iowait={p / 7:R},usage_irq=0,usage_softirq={p / 50:R},usage_steal=0,usage_guest=0,usage_guest_nice=0 {timestamp}");
                    break;
                case 1:
                    text.Append(CultureInfo.InvariantCulture, $"mem,host={host},dc=eu-west-1 active={random.NextInt64(1L << 30)}i,available={random.NextInt64(1L << 33)}i,available_percent={p:R},buffered={random.Next()}i,cached={random.NextInt64(1L << 32)}i,free={random.NextInt64(1L << 32)}i,total=17179869184i,used={random.NextInt64(1L << 33)}i,used_percent={100 - p:R} {timestamp}");
                    break;
                case 2:
                    text.Append(CultureInfo.InvariantCulture, $"disk,device=nvme0n1p2,fstype=ext4,host={host},mode=rw,path=/var/lib free={random.NextInt64(1L << 38)}i,inodes_free={random.Next()}i,inodes_total=30531584i,inodes_used={random.Next(1 << 20)}i,total=491173838848i,used={random.NextInt64(1L << 38)}i,used_percent={p:R} {timestamp}");
                    break;
                case 3:
                    text.Append(CultureInfo.InvariantCulture, $"system,host={host},dc=eu-west-1 load1={p / 10:R},load5={p / 12:R},load15={p / 15:R},n_cpus=16i,n_users=3i,uptime={random.Next()}i,uptime_format=\"12 days, 3:04\" {timestamp}");
                    break;
                default:
                    text.Append(CultureInfo.InvariantCulture, $"net,host={host},interface=eth0 bytes_recv={random.NextInt64(1L << 40)}u,bytes_sent={random.NextInt64(1L << 40)}u,drop_in=0u,drop_out=0u,err_in=0u,err_out=0u,packets_recv={random.NextInt64(1L << 32)}u,packets_sent={random.NextInt64(1L << 32)}u,up=true {timestamp}");
                    break;
            }

            text.Append('\n');
            timestamp += 10_000_000_000L / 5;
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
