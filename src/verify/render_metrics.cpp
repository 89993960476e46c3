// verify's report for monitoring systems: the Prometheus text exposition format (for
// node_exporter's textfile collector) and a Nagios plugin status line (docs/monitoring.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "pgrepl/verify/render.hpp"

namespace pgrepl {
namespace {

/// A label value in the exposition format: \, " and line feeds escaped.
std::string label_value(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

/// A sample value: integers without a fraction, the rest in the shortest form that reads back.
std::string sample(double value) {
    if (std::isnan(value)) return "NaN";
    if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
    return fmt::format("{}", value);
}

/// Writes one metric family: HELP, TYPE and its samples, only when it has any.
class Family {
  public:
    Family(std::string name, std::string type, std::string help)
        : name_(std::move(name)), type_(std::move(type)), help_(std::move(help)) {}
    /// Adds a sample with these labels (already escaped values in name="value" form).
    void add(const std::string& labels, double value) {
        samples_ += fmt::format("{}{{{}}} {}\n", name_, labels, sample(value));
    }
    /// The family's text ("" without samples).
    std::string text() const {
        if (samples_.empty()) return {};
        return fmt::format("# HELP {} {}\n# TYPE {} {}\n{}", name_, help_, name_, type_, samples_);
    }

  private:
    std::string name_;
    std::string type_;
    std::string help_;
    std::string samples_;
};

}  // namespace

std::string render_prometheus(const VerifyReport& report, double now_epoch) {
    const std::string cluster = "cluster=\"" + label_value(report.cluster) + "\"";
    Family healthy("pgrepl_cluster_healthy", "gauge",
                   "1 when pgrepl verify found no failed check in the cluster, else 0.");
    Family primaries("pgrepl_cluster_primaries", "gauge",
                     "Live primaries of the cluster (more than 1: split brain).");
    Family run_at("pgrepl_verify_timestamp_seconds", "gauge",
                  "When pgrepl verify ran, in seconds since the Unix epoch.");
    Family up("pgrepl_host_up", "gauge",
              "1 when the host answered and its PostgreSQL accepted connections, else 0.");
    Family role("pgrepl_host_role", "gauge",
                "The live role of the host: 1 for the role it has (primary, standby, unknown).");
    Family host_healthy("pgrepl_host_healthy", "gauge", "1 when no check of the host failed.");
    Family lag_bytes("pgrepl_standby_lag_bytes", "gauge",
                     "WAL bytes the standby has not replayed yet, behind the live primary.");
    Family lag_seconds("pgrepl_standby_lag_seconds", "gauge",
                       "Replay lag of the standby in seconds.");
    Family probe("pgrepl_probe_replay_seconds", "gauge",
                 "Time from the probe record's emission on the primary to its replay on the "
                 "standby.");
    Family slot_bytes("pgrepl_slot_retained_bytes", "gauge",
                      "WAL bytes the standby's replication slot retains on its upstream.");
    Family archived_age("pgrepl_archiver_last_archived_age_seconds", "gauge",
                        "Seconds since the primary last archived a WAL segment.");
    Family archive_failed("pgrepl_archiver_failed_total", "counter",
                          "Failed archive_command runs of the primary since the statistics "
                          "reset.");
    healthy.add(cluster, report.healthy() ? 1 : 0);
    primaries.add(cluster, static_cast<double>(report.primaries.size()));
    run_at.add(cluster, now_epoch);
    for (const auto& host : report.hosts) {
        const std::string labels = cluster + ",host=\"" + label_value(host.host().name) + "\"";
        const auto& state = host.gathered;
        up.add(labels, state.reached() && state.accepting ? 1 : 0);
        role.add(labels + ",role=\"" + to_string(host.node.role) + "\"", 1);
        host_healthy.add(labels, host.healthy() ? 1 : 0);
        if (host.node.role == LiveRole::Standby || host.lag.bytes || host.lag.seconds) {
            if (host.lag.bytes) lag_bytes.add(labels, static_cast<double>(*host.lag.bytes));
            if (host.lag.seconds) lag_seconds.add(labels, *host.lag.seconds);
        }
        if (host.probe.ms) probe.add(labels, *host.probe.ms / 1000.0);
        if (host.slot && host.slot->retained_bytes && host.upstream) {
            slot_bytes.add(cluster + ",host=\"" + label_value(*host.upstream) + "\",slot=\"" +
                               label_value(host.slot->name) + "\",standby=\"" +
                               label_value(host.host().name) + "\"",
                           static_cast<double>(*host.slot->retained_bytes));
        }
        if (host.node.role == LiveRole::Primary && state.archiver) {
            if (state.archiver->last_archived_age)
                archived_age.add(labels, *state.archiver->last_archived_age);
            archive_failed.add(labels, static_cast<double>(state.archiver->failed_count));
        }
    }
    std::string text;
    for (const Family* family :
         {&healthy, &primaries, &run_at, &up, &role, &host_healthy, &lag_bytes, &lag_seconds,
          &probe, &slot_bytes, &archived_age, &archive_failed}) {
        text += family->text();
    }
    return text;
}

int nagios_exit_code(const VerifyReport& report) {
    if (!report.healthy()) return 2;
    const auto problems = report.problems();
    return problems.empty() ? 0 : 1;
}

std::string render_nagios(const VerifyReport& report) {
    static constexpr const char* kWords[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    const int code = nagios_exit_code(report);
    std::string summary;
    const auto problems = report.problems();
    if (problems.empty()) {
        int standbys = 0;
        for (const auto& host : report.hosts) standbys += host.node.role == LiveRole::Standby;
        summary = fmt::format("primary {}, {} standby(s) streaming", report.primary.value_or("?"),
                              standbys);
    } else {
        const auto& first = problems.front();
        summary = fmt::format("{}: {}: {}", first.host, first.check, first.message);
        if (problems.size() > 1) summary += fmt::format(" (and {} more)", problems.size() - 1);
    }
    std::replace(summary.begin(), summary.end(), '|', '/');
    std::string perf;
    const auto add = [&perf](const std::string& label, const std::string& value) {
        perf += fmt::format(" '{}'={}", label, value);
    };
    for (const auto& host : report.hosts) {
        const std::string& name = host.host().name;
        if (host.lag.bytes) {
            add(name + " lag",
                fmt::format("{}B;;{};0", *host.lag.bytes, report.thresholds.max_lag_bytes));
        }
        if (host.lag.seconds) {
            add(name + " lag time", fmt::format("{}s;;{};0", sample(*host.lag.seconds),
                                                sample(report.thresholds.max_lag_seconds)));
        }
        if (host.probe.ms) add(name + " probe", fmt::format("{}ms;;;0", sample(*host.probe.ms)));
    }
    return fmt::format("PGREPL {} - cluster {}: {}{}{}\n", kWords[code], report.cluster, summary,
                       perf.empty() ? "" : " |", perf);
}

}  // namespace pgrepl
