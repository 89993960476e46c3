// A load for the role-change tests (promote, switchover): writers that insert one row per
// transaction on a lab host and record each id whose commit psql acknowledged, outside the
// host, and the checks that no acknowledged row is missing.
#pragma once

#include <cstddef>
#include <set>
#include <string>

namespace pgrepl::e2e {

/// The ids of pgrepl_e2e_writes on a host.
std::set<int> ids_on(const std::string& host);

/// Waits until a standby has replayed all it received (so that a read shows all of it).
void wait_replayed(const std::string& host);

/// Acknowledged ids missing on `host`.
std::size_t lost_on(const std::set<int>& acknowledged, const std::string& host);

/// Whether the writer (re)creates the table first (on the primary).
enum class WriterTable { Create, Keep };

/// A writer on `host`: one psql per INSERT, each in its own transaction, `pause` seconds
/// apart ("0": none); ids count up from `first_id`; each id is appended to a file of the lab
/// directory (outside the host, so it survives the host) once psql said the commit succeeded.
/// On a standby every INSERT fails until it is promoted. Runs until stop() (a writer on a host
/// that is then powered off or wiped just ends with it).
class Writer {
  public:
    /// Starts the writer (`name` names its file of acknowledged ids).
    explicit Writer(const std::string& host, WriterTable table = WriterTable::Create,
                    int first_id = 1, const std::string& pause = "0",
                    const std::string& name = "promote-acked-ids");
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    /// Every id whose commit was acknowledged so far.
    std::set<int> acknowledged() const;
    /// Stops the loop (and waits for its last psql).
    void stop();

  private:
    std::string host_;
    std::string acked_;
    std::string stop_file_;
    bool stopped_ = false;
};

}  // namespace pgrepl::e2e
