// Refuses to run the end-to-end tests outside the lab's control namespace: from the root
// namespace, lab addresses would be routed to the machine's default gateway instead of the lab.
#include <gtest/gtest.h>

#include "lab.hpp"

namespace pgrepl::e2e {
namespace {

/// Checks once, before any test, that the lab is up and that we run inside it.
class LabEnvironment : public testing::Environment {
  public:
    void SetUp() override {
        ASSERT_TRUE(in_control_namespace())
            << "the end-to-end tests must run in the lab's control namespace: start the lab "
               "(scripts/lab up 3) and run them through tests/e2e/in-lab";
        const ProcessResult status = run_lab({"status"});
        ASSERT_EQ(status.exit_code, 0) << status.describe();
    }
};

[[maybe_unused]] testing::Environment* const lab_environment =
    testing::AddGlobalTestEnvironment(new LabEnvironment);

}  // namespace
}  // namespace pgrepl::e2e
