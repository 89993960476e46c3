// The one framed-section format of the remote scripts: the reader and the writers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "pgrepl/engine/frames.hpp"
#include "support/run_sh.hpp"

namespace pgrepl {
namespace {

TEST(Frames, SplitsNamedSectionsAndSizedFiles) {
    const std::string output =
        "key=value\n@@ps\n1 postgres\n2 sshd\n@@file 4\na\nb\n\n@@nofile\n@@query slots\n"
        "@@x\n|@@log\n@@end\r\n";
    auto frames = read_frames(output);
    ASSERT_TRUE(frames) << frames.error().message;
    ASSERT_EQ(frames->size(), 7u);
    EXPECT_EQ((*frames)[0].name, "");
    EXPECT_EQ((*frames)[0].body, "key=value\n");
    EXPECT_EQ((*frames)[1].name, "ps");
    EXPECT_EQ((*frames)[1].body, "1 postgres\n2 sshd\n");
    EXPECT_EQ((*frames)[2].name, "file");
    EXPECT_EQ((*frames)[2].body, "a\nb\n");
    EXPECT_EQ((*frames)[3].name, "nofile");
    EXPECT_EQ((*frames)[4].name, "query");
    EXPECT_EQ((*frames)[4].args, "slots");
    // "@@x" is a header; a line not starting with "@@" never is.
    EXPECT_EQ((*frames)[5].name, "x");
    EXPECT_EQ(frame_lines((*frames)[5]), (std::vector<std::string_view>{"|@@log"}));
    EXPECT_EQ((*frames)[5].body, "|@@log\n");
    EXPECT_EQ((*frames)[6].name, "end");  // a '\r' before the line end is dropped
    EXPECT_EQ((*frames)[6].body, "");
}

TEST(Frames, AFileFrameHoldsHeaderLikeLines) {
    auto frames = read_frames("@@file 8\na=b\n@@x\n\n@@end\n");
    ASSERT_TRUE(frames);
    ASSERT_EQ(frames->size(), 2u);
    EXPECT_EQ((*frames)[0].body, "a=b\n@@x\n");
    EXPECT_EQ((*frames)[1].name, "end");
}

TEST(Frames, RejectsBrokenFileFrames) {
    EXPECT_EQ(read_frames("@@file 99\nshort\n").error().message, "file cut short");
    EXPECT_EQ(read_frames("@@file x\n").error().message, "file size");
    EXPECT_EQ(read_frames("@@file\n").error().message, "file size");
    // The content, then the echo's newline: 4 bytes and "\n" are consumed.
    auto frames = read_frames("@@file 4\na\nb\n\nrest\n");
    ASSERT_TRUE(frames);
    ASSERT_EQ(frames->size(), 1u);  // text after a file frame outside a section is not a frame
    EXPECT_EQ((*frames)[0].body, "a\nb\n");
}

TEST(Frames, WritersPrintWhatTheReaderReads) {
    EXPECT_EQ(shell_frame("end-facts"), "echo @@end-facts");
    EXPECT_EQ(shell_frame("psql-exit", "$?"), "echo @@psql-exit $?");
    EXPECT_EQ(psql_frame("query", "slots"), "\\echo @@query slots");
    const auto file = shell_file_frame("'/etc/x'");
    EXPECT_NE(file.find("f='/etc/x'; if [ -f \"$f\" ]"), std::string::npos) << file;
    EXPECT_NE(file.find("@@nofile"), std::string::npos) << file;
}

TEST(Frames, ManyFilesShareOneSizeCommandAndReadBackInOrder) {
    std::string dir = ::testing::TempDir() + "pgrepl-frames-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    std::ofstream(dir + "/a") << "x\n@@end\ny";  // no newline at the end, a header-like line
    std::ofstream(dir + "/c");                   // empty
    std::ofstream(dir + "/big") << std::string(123456, 'z') << "\n";
    run_sh("mkdir '" + dir + "/d'");
    const std::vector<std::string> paths = {"'" + dir + "/a'", "'" + dir + "/missing'",
                                            "'" + dir + "/c'", "'" + dir + "/d'",
                                            "'" + dir + "/big'"};
    const std::string script = shell_file_frames(paths);
    EXPECT_EQ(script.find("wc -c"), script.rfind("wc -c")) << script;  // one wc
    const std::string out = run_sh(script + "\necho @@end");
    auto frames = read_frames(out);
    ASSERT_TRUE(frames) << frames.error().message << "\n" << out;
    ASSERT_EQ(frames->size(), 6u) << out;
    EXPECT_EQ((*frames)[0].name, "file");
    EXPECT_EQ((*frames)[0].body, "x\n@@end\ny");
    EXPECT_EQ((*frames)[1].name, "nofile");
    EXPECT_EQ((*frames)[2].name, "file");
    EXPECT_EQ((*frames)[2].body, "");
    EXPECT_EQ((*frames)[3].name, "nofile");  // a directory is not a file
    EXPECT_EQ((*frames)[4].name, "file");
    EXPECT_EQ((*frames)[4].body.size(), 123457u);
    EXPECT_EQ((*frames)[5].name, "end");
    // None of them there: no wc at all, one @@nofile each; one path: the single-file frame.
    EXPECT_EQ(run_sh(shell_file_frames({"'" + dir + "/x'", "'" + dir + "/y'"})),
              "@@nofile\n@@nofile\n");
    EXPECT_EQ(shell_file_frames({"'/etc/x'"}), shell_file_frame("'/etc/x'"));
    EXPECT_EQ(shell_file_frames({}), "");
    run_sh("rm -rf '" + dir + "'");
}

}  // namespace
}  // namespace pgrepl
