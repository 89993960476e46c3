#include "pgrepl/util/result.hpp"

#include <gtest/gtest.h>

namespace pgrepl {
namespace {

TEST(Result, HoldsValueOrError) {
    Result<int> good(3);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 3);
    Result<int> bad(make_error(ErrorKind::Remote, "boom", "try again"));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().kind, ErrorKind::Remote);
    EXPECT_EQ(bad.error().hint, "try again");
    EXPECT_STREQ(to_string(ErrorKind::HostKey), "host-key");
}

}  // namespace
}  // namespace pgrepl
