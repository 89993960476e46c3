// Helpers shared by the assessment files (internal to src/verify/).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pgrepl/verify/assess.hpp"

namespace pgrepl::verify_detail {

/// The inputs of one assessment.
struct AssessContext {
    const Inventory& inventory;            ///< the inventory
    const std::vector<HostState>& states;  ///< what each host said
    const LiveTopology& topology;          ///< the live topology
    const ProbeOutcome& probe;             ///< the probe's outcome
    const VerifyThresholds& thresholds;    ///< lag thresholds and timeout
};

/// Appends checks to a host's list; once blocked, every later check is Skipped with the reason.
class CheckList {
  public:
    /// Appends to `checks`.
    explicit CheckList(std::vector<CheckResult>& checks) : checks_(checks) {}

    /// Adds a check (Skipped with the blocking reason when blocked).
    void add(std::string name, CheckStatus status, std::string message, std::string hint = {}) {
        if (!blocked_.empty()) {
            status = CheckStatus::Skipped;
            message = blocked_;
            hint.clear();
        }
        checks_.push_back({std::move(name), status, std::move(message), std::move(hint)});
    }
    /// Adds a check even when blocked (for what another host says about this one).
    void force(std::string name, CheckStatus status, std::string message, std::string hint = {}) {
        checks_.push_back({std::move(name), status, std::move(message), std::move(hint)});
    }
    /// Adds an Ok check.
    void ok(std::string name, std::string message) {
        add(std::move(name), CheckStatus::Ok, std::move(message));
    }
    /// Adds a Failed check.
    void fail(std::string name, std::string message, std::string hint = {}) {
        add(std::move(name), CheckStatus::Failed, std::move(message), std::move(hint));
    }
    /// Adds a Warning check.
    void warn(std::string name, std::string message, std::string hint = {}) {
        add(std::move(name), CheckStatus::Warning, std::move(message), std::move(hint));
    }
    /// Adds a Skipped check.
    void skip(std::string name, std::string message) {
        add(std::move(name), CheckStatus::Skipped, std::move(message));
    }
    /// Skips every later check with this reason (the first reason wins).
    void block(std::string reason) {
        if (blocked_.empty()) blocked_ = "skipped: " + std::move(reason);
    }
    /// True once block() was called.
    bool blocked() const { return !blocked_.empty(); }

  private:
    std::vector<CheckResult>& checks_;
    std::string blocked_;
};

/// With a patroni section: the `patroni` check (its configuration, whether its REST API
/// answers, whether its role agrees with PostgreSQL's) and the `etcd` check of an etcd member.
void patroni_checks(const AssessContext& context, std::size_t index, CheckList& checks);

/// The checks of a former primary (ssh, gather, postgres, former_primary, then the rest of
/// the common checks skipped); the caller adds the slot and settings checks, which are skipped.
void former_primary_checks(const AssessContext& context, std::size_t index, CheckList& checks);

/// The former_primary check's message: what the host is (fenced by promote, with the marker's
/// note, or unreachable/stopped since the failover) and whether the inventory still says
/// primary.
std::string former_primary_message(const AssessContext& context, std::size_t index);

/// The former_primary check's hint: how to rejoin it as a replica of the live primary.
std::string former_primary_hint(const AssessContext& context, std::size_t index);

/// The standby checks (upstream to probe) of host `index`, filling `report`.
void assess_standby(const AssessContext& context, std::size_t index, HostReport& report,
                    CheckList& checks);

/// A WAL position of a host to measure others against: current on a primary, the furthest of
/// received and replayed on a standby; 0 when unknown.
std::uint64_t host_position(const HostState& state);

/// a - b for two LSN texts, std::nullopt when either is malformed or empty.
std::optional<std::int64_t> lsn_diff(const std::optional<std::uint64_t>& a,
                                     const std::optional<std::uint64_t>& b);

}  // namespace pgrepl::verify_detail
