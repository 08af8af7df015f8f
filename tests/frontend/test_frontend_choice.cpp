// Which frontend serves a resource (frontend = auto|kmod|ublk|fuse), and
// how the daemon's side of mars.ko's control interface fails without the
// module. The module itself is tested in qemu (tests/kmod/).
#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <system_error>

#include "frontend/frontend.hpp"
#include "kmod/control.hpp"
#include "support/temp_dir.hpp"

namespace mars::frontend {
namespace {

TEST(FrontendChoice, AutoTakesTheModuleWhenLoaded)
{
    EXPECT_EQ(choose_frontend(config::Frontend::automatic, true), FrontendKind::kmod);
    EXPECT_EQ(choose_frontend(config::Frontend::automatic, false), FrontendKind::fuse);
}

TEST(FrontendChoice, ExplicitChoices)
{
    EXPECT_EQ(choose_frontend(config::Frontend::fuse, true), FrontendKind::fuse);
    EXPECT_EQ(choose_frontend(config::Frontend::kmod, true), FrontendKind::kmod);
}

TEST(FrontendChoice, KmodWithoutModuleSaysWhatToDo)
{
    try {
        choose_frontend(config::Frontend::kmod, false);
        FAIL() << "kmod without the module was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/dev/mars-control"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("modprobe mars"), std::string::npos) << e.what();
    }
}

TEST(FrontendChoice, UblkIsRefused)
{
    EXPECT_THROW(choose_frontend(config::Frontend::ublk, true), std::runtime_error);
}

TEST(KmodControl, MissingControlDeviceNamesTheModule)
{
    test::TempDir dir;
    const auto path = dir.path() / "mars-control";
    EXPECT_FALSE(kmod::Control::available(path));
    try {
        kmod::Control control(path);
        FAIL() << "opened a control device that does not exist";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("is mars.ko loaded"), std::string::npos) << e.what();
    }
}

TEST(KmodControl, RegularFileIsNotAvailable)
{
    test::TempDir dir;
    const auto path = dir.path() / "mars-control";
    std::ofstream(path) << "x";
    EXPECT_FALSE(kmod::Control::available(path));
}

TEST(KmodControl, WrongCharacterDeviceIsRefused)
{
    // /dev/null is a character device that knows no mars ioctl.
    EXPECT_TRUE(kmod::Control::available("/dev/null"));
    try {
        kmod::Control control("/dev/null");
        FAIL() << "/dev/null accepted as the control device";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ENOTTY);
        EXPECT_NE(std::string(e.what()).find("not the mars control device"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace mars::frontend
