// parse_inventory and load_inventory: YAML text to a validated Inventory, every problem reported.
#include "pgrepl/inventory/load.hpp"

#include <yaml-cpp/eventhandler.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "inventory/rules.hpp"
#include "inventory/sections.hpp"

namespace pgrepl {
namespace {

using namespace inventory_detail;

constexpr const char* kDefaultPasswordEnv = "PGREPL_REPLICATION_PASSWORD";
constexpr std::uintmax_t kMaxFileSize = 1024 * 1024;

/// Records where each document of a YAML stream starts; ignores everything else.
class DocumentStarts : public YAML::EventHandler {
  public:
    std::vector<YAML::Mark> starts;  ///< one per document, in order

    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

/// Checks that the text holds only what YAML allows (printable Unicode in UTF-8, with tab, line
/// feed and carriage return): yaml-cpp reads NUL and other control bytes, or bytes that are not
/// UTF-8, without complaint, and then reports positions that are not in the file. The first
/// offending byte is reported at its line and column (bytes, as yaml-cpp counts them).
bool check_characters(std::string_view text, Diagnostics& diags) {
    SourceMark at{1, 1};
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = 1;
        std::string problem;
        if (byte >= 0x80) {
            length = utf8_sequence(text.substr(i));
            if (length == 0) problem = fmt::format("byte \\x{:02x} is not UTF-8", byte);
        } else if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7f) {
            problem = fmt::format("control character \\x{:02x}", byte);
        }
        if (!problem.empty()) {
            diags.add(at, "not a YAML text: " + problem +
                              " (an inventory is UTF-8 text without control characters)");
            return false;
        }
        if (byte == '\n') {
            at = SourceMark{at.line + 1, 1};
        } else {
            at.column += static_cast<int>(length);
        }
        i += length;
    }
    return true;
}

/// Checks the stream holds exactly one document. YAML::LoadAll loops forever on a stray ','
/// at the start of a document (yaml-cpp 0.7 reports an empty document without consuming it),
/// so documents are counted with the event parser, stopping when it makes no progress.
bool check_single_document(const std::string& text, Diagnostics& diags) {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStarts documents;
    while (parser.HandleNextDocument(documents)) {
        const std::vector<YAML::Mark>& starts = documents.starts;
        if (starts.size() >= 2 && starts[starts.size() - 1].pos == starts[starts.size() - 2].pos) {
            const YAML::Mark& at = starts.back();
            const std::size_t pos = static_cast<std::size_t>(at.pos);
            const std::string what = pos < text.size() ? quote_value(text.substr(pos, 1)) : "end";
            diags.add(SourceMark{at.line + 1, at.column + 1},
                      "yaml syntax error: unexpected " + what);
            return false;
        }
    }
    const std::vector<YAML::Mark>& starts = documents.starts;
    if (starts.size() > 1) {
        diags.add(SourceMark{starts[1].line + 1, starts[1].column + 1},
                  "the file holds " + std::to_string(starts.size()) +
                      " YAML documents; an inventory is one document");
        return false;
    }
    return true;
}

void check_archive_host(const Field& field, const Inventory& inventory, Diagnostics& diags,
                        std::string& into) {
    const std::optional<std::string> text = read_text(field, diags);
    if (!text) return;
    if (inventory.find_host(*text) != nullptr) {
        into = *text;
        return;
    }
    const std::string problem = address_problem(*text);
    if (problem.empty()) {
        into = *text;
        return;
    }
    diags.add(field.value, field.label + " " + quote_value(*text) +
                               " is not a host of this inventory and " + problem);
}

void read_document(const YAML::Node& root, Inventory& inventory, Diagnostics& diags) {
    if (root.IsNull()) {
        diags.add(SourceMark{1, 1}, "the inventory is empty (it needs at least 'hosts')");
        return;
    }
    if (!root.IsMap()) {
        diags.add(root,
                  "the inventory must be a map (cluster, postgres, replication, ssh, "
                  "access, hosts, patroni), not " +
                      describe_kind(root));
        return;
    }
    const Section top(root, "", "at top level",
                      {"cluster", "postgres", "replication", "ssh", "access", "hosts", "patroni"},
                      diags, SourceMark{1, 1});
    if (auto f = top.get("cluster")) {
        const std::optional<std::string> text = read_text(*f, diags);
        if (text && is_cluster_label(*text)) {
            inventory.cluster = *text;
        } else if (text) {
            diags.add(f->value, "cluster " + quote_value(*text) +
                                    " is not a valid label (letters, digits, '_', '.' and '-', "
                                    "starting with a letter or digit; at most 63 characters)");
        }
    }
    VersionSeen cluster_version;
    if (auto f = top.get("postgres")) {
        read_postgres(*f, inventory.postgres, "", diags, cluster_version);
    }
    std::optional<Field> archive_host;
    if (auto f = top.get("replication")) {
        read_replication(*f, inventory.replication, diags, archive_host);
    }
    if (!inventory.replication.password_env && !inventory.replication.password_file) {
        inventory.replication.password_env = kDefaultPasswordEnv;
    }
    if (auto f = top.get("ssh")) read_ssh(*f, inventory.ssh, "", diags);
    if (auto f = top.get("access")) inventory.access = read_access(*f, diags);
    if (auto f = top.get("hosts")) {
        read_hosts(*f, inventory, cluster_version, diags);
    } else {
        report_missing(top, "hosts", diags);
    }
    if (archive_host)
        check_archive_host(*archive_host, inventory, diags, inventory.replication.archive.host);
    if (auto f = top.get("patroni")) read_patroni(*f, inventory, diags);
}

}  // namespace

InventoryLoad parse_inventory(std::string_view yaml_text, const std::string& path) {
    InventoryLoad load;
    load.inventory.path = path;
    load.inventory.cluster = cluster_label_from_stem(std::filesystem::path(path).stem().string());
    Diagnostics diags(path);
    try {
        const std::string text(yaml_text);
        if (check_characters(text, diags) && check_single_document(text, diags))
            read_document(YAML::Load(text), load.inventory, diags);
    } catch (const YAML::Exception& e) {
        SourceMark mark;
        if (!e.mark.is_null()) mark = SourceMark{e.mark.line + 1, e.mark.column + 1};
        diags.add(mark, "yaml syntax error: " + e.msg);
    }
    load.diagnostics = diags.take();
    return load;
}

InventoryLoad load_inventory(const std::string& path) {
    std::error_code ec;
    const auto fail = [&](const std::string& message) {
        InventoryLoad load;
        load.inventory.path = path;
        load.diagnostics.push_back(InventoryDiagnostic{path, SourceMark{}, message});
        return load;
    };
    if (std::filesystem::is_directory(path, ec))
        return fail("cannot read the inventory: it is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const std::error_code why(errno, std::generic_category());
        return fail("cannot read the inventory: " + why.message());
    }
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxFileSize) return fail("cannot read the inventory: larger than 1 MiB");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return fail("cannot read the inventory: read error");
    return parse_inventory(text.str(), path);
}

}  // namespace pgrepl
