// libFuzzer target for the inventory loader (issue 13, part 5). Built with clang, ASan and
// UBSan by scripts/fuzz; never part of the product.
//
// Properties checked on every input, beyond "no crash, no hang, no sanitizer report":
// - a rejected inventory has at least one diagnostic, printable (valid UTF-8, no control
//   characters: a hostile file cannot drive the terminal), and every diagnostic points inside
//   the file: `fuzz.yaml:LINE:COL: message` with LINE and COL on an existing line (COL may be one
//   past its end), or `fuzz.yaml: message` for what has no position (an empty file);
// - an accepted inventory renders (`inventory check`) to YAML that loads again, accepted,
//   and renders to the same text: what pgrepl shows is what it would run with.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/load.hpp"

namespace {

constexpr const char* kPath = "fuzz.yaml";

[[noreturn]] void fail(const std::string& what, std::string_view input) {
    std::fprintf(stderr, "property violated: %s\n--- input ---\n%.*s\n--- end ---\n", what.c_str(),
                 static_cast<int>(input.size()), input.data());
    std::abort();
}

// The length in bytes of each line of `text` (lengths[0] is line 1). Lines end at \n, as
// yaml-cpp counts them (and as editors do: a lone \r does not break a line there).
std::vector<std::size_t> line_lengths(std::string_view text) {
    std::vector<std::size_t> lengths{0};
    for (const char c : text) {
        if (c == '\n') {
            lengths.push_back(0);
        } else {
            ++lengths.back();
        }
    }
    return lengths;
}

// True when `text` is valid UTF-8 without control characters (what a terminal shows as is).
bool printable(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7f) return false;
        std::size_t length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
        if (byte >= 0x80 && (byte < 0xc2 || byte > 0xf4)) return false;
        if (i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return false;
        }
        i += length;
    }
    return true;
}

void check_rejection(const pgrepl::InventoryLoad& load, std::string_view text) {
    if (load.diagnostics.empty()) fail("rejected without a diagnostic", text);
    const auto lengths = line_lengths(text);
    for (const auto& diagnostic : load.diagnostics) {
        const std::string shown = diagnostic.to_string();
        if (diagnostic.message.empty()) fail("empty diagnostic: " + shown, text);
        if (!printable(diagnostic.message)) fail("unprintable diagnostic: " + shown, text);
        if (shown.rfind(std::string(kPath) + ":", 0) != 0) fail("no file name: " + shown, text);
        const auto& mark = diagnostic.mark;
        if (mark.line == 0 && mark.column == 0) continue;  // no position: `FILE: message`
        if (mark.line < 1 || static_cast<std::size_t>(mark.line) > lengths.size())
            fail("line outside the file: " + shown, text);
        const std::size_t length = lengths[static_cast<std::size_t>(mark.line) - 1];
        if (mark.column < 1 || static_cast<std::size_t>(mark.column) > length + 1)
            fail("column outside its line: " + shown, text);
    }
}

void check_round_trip(const pgrepl::InventoryLoad& load, std::string_view text) {
    const std::string rendered = pgrepl::render_inventory(load.inventory);
    const auto again = pgrepl::parse_inventory(rendered, kPath);
    if (!again.ok()) {
        fail("the rendering of an accepted inventory is rejected: " +
                 again.diagnostics.front().to_string() + "\n--- rendered ---\n" + rendered,
             text);
    }
    if (pgrepl::render_inventory(again.inventory) != rendered)
        fail("the rendering is not a fixed point:\n" + rendered, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto load = pgrepl::parse_inventory(text, kPath);
    if (load.ok()) {
        check_round_trip(load, text);
    } else {
        check_rejection(load, text);
    }
    return 0;
}
