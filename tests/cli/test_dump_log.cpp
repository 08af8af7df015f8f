#include <gtest/gtest.h>

#include <sstream>

#include "run_command.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;

namespace {

std::vector<std::string> lines(const std::string& s)
{
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

std::filesystem::path sample_log(const std::filesystem::path& dir)
{
    auto opt = test::writer_options(dir);
    opt.compression = format::Compression::zstd;
    log::LogWriter writer(opt);
    auto a = test::pattern(1, 4096, true);
    auto b = test::pattern(2, 100);
    EXPECT_TRUE(writer.write({8192, a}).ok());
    log::WriteRequest fua{12345, b};
    fua.fua = true;
    EXPECT_TRUE(writer.write(fua).ok());
    return writer.current_path();
}

} // namespace

TEST(DumpLog, OneLinePerRecordThenTheDiagnosis)
{
    test::TempDir dir;
    auto path = sample_log(dir.path());
    auto r = test::marsadm({"dump-log", path.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto l = lines(r.out);
    ASSERT_EQ(l.size(), 5u) << r.out; // write, padding, write, padding, end
    EXPECT_NE(l[0].find("offset=0 seq=1 type=write dev_offset=8192 len=4096"), std::string::npos) << l[0];
    EXPECT_NE(l[0].find("flags=zstd"), std::string::npos) << l[0];
    EXPECT_NE(l[1].find("seq=2 type=padding"), std::string::npos) << l[1];
    EXPECT_NE(l[2].find("offset=4096 seq=3 type=write dev_offset=12345 len=100 stored=100 flags=fua"),
              std::string::npos)
        << l[2];
    EXPECT_EQ(l[4], "end: clean end at offset 8192 after 4 records: end of file");
}

TEST(DumpLog, FromOffsetAndJson)
{
    test::TempDir dir;
    auto path = sample_log(dir.path());
    auto r = test::marsadm({"dump-log", path.string(), "--from", "4096", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto l = lines(r.out);
    ASSERT_EQ(l.size(), 3u) << r.out;
    EXPECT_NE(l[0].find("\"dev_offset\":12345"), std::string::npos) << l[0];
    EXPECT_NE(l[0].find("\"seq\":3"), std::string::npos) << l[0];
    EXPECT_NE(l[2].find("\"end\":{"), std::string::npos) << l[2];
    EXPECT_NE(l[2].find("\"kind\":\"clean end\""), std::string::npos) << l[2];
}

TEST(DumpLog, TornTailIsReportedButNotAFailure)
{
    test::TempDir dir;
    auto path = sample_log(dir.path());
    std::filesystem::resize_file(path, 4096 + 70);
    auto r = test::marsadm({"dump-log", path.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("end: torn tail at offset 4096 after 2 records: record of"), std::string::npos) << r.out;
}

TEST(DumpLog, CorruptionFailsAndNamesFileAndOffset)
{
    test::TempDir dir;
    auto path = sample_log(dir.path());
    auto bytes = test::file_bytes(path);
    bytes[100] ^= std::byte{0x10}; // inside the first record's payload
    test::write_file_bytes(path, bytes);
    auto r = test::marsadm({"dump-log", path.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(path.string() + " at offset 0: corruption: payload checksum mismatch"), std::string::npos)
        << r.err;
}

TEST(DumpLog, UnreadableFileIsAFailureWithTheReason)
{
    auto r = test::marsadm({"dump-log", "/nonexistent/log-000000001-alpha"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "marsadm dump-log: opening logfile /nonexistent/log-000000001-alpha: No such file or directory\n");
}
