// Shared by the pg_* unit tests: every PostgreSQL version pgrepl supports.
#pragma once

#include <array>

#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl::testing {

/// 9.6, 10, 11, ..., 17.
inline constexpr std::array<PgVersion, 9> kAllPgVersions = {
    PgVersion{9, 6},  PgVersion{10, 0}, PgVersion{11, 0}, PgVersion{12, 0}, PgVersion{13, 0},
    PgVersion{14, 0}, PgVersion{15, 0}, PgVersion{16, 0}, PgVersion{17, 0}};

}  // namespace pgrepl::testing
