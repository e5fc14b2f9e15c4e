#include "core/error.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

namespace sluice::core {
namespace {

TEST_CASE("error carries its exit code and message", "[core][error]") {
  Error e(ExitCode::data, "stdin:3: not a JSON object");
  CHECK(e.code() == ExitCode::data);
  CHECK(std::string(e.what()) == "stdin:3: not a JSON object");
  CHECK_FALSE(e.is_broken_pipe());
  CHECK_FALSE(e.is_upstream_abort());
  const std::runtime_error& base = e;
  CHECK(std::string(base.what()) == "stdin:3: not a JSON object");
}

TEST_CASE("error for a broken pipe exits quietly with 0", "[core][error]") {
  Error e = Error::broken_pipe();
  CHECK(e.is_broken_pipe());
  CHECK(e.code() == ExitCode::ok);
  CHECK_FALSE(e.is_upstream_abort());
}

TEST_CASE("error for an upstream abort keeps the upstream exit code", "[core][error]") {
  Error e = Error::upstream_abort(65, "upstream transform exited 65: bad");
  CHECK(e.is_upstream_abort());
  CHECK(e.code() == ExitCode::data);
  CHECK_FALSE(e.is_broken_pipe());
  CHECK(std::string(e.what()) == "upstream transform exited 65: bad");
  CHECK(Error::upstream_abort(75, "x").code() == ExitCode::temporary);
  CHECK(Error::upstream_abort(3, "x").code() == ExitCode::internal);
  CHECK(Error::upstream_abort(-1, "x").code() == ExitCode::internal);
}

TEST_CASE("error from errno is an I/O error naming what was done", "[core][error]") {
  errno = ENOENT;
  try {
    throw_errno("open state/app.ckpt");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::io);
    CHECK(std::string(e.what()) == "open state/app.ckpt: No such file or directory");
    return;
  }
  FAIL("throw_errno did not throw");
}

TEST_CASE("error exit codes map from raw process statuses", "[core][error]") {
  for (int code : {0, 2, 65, 69, 70, 74, 75, 130, 143}) {
    CAPTURE(code);
    CHECK(static_cast<int>(exit_code_from_int(code)) == code);
  }
  for (int code : {1, 3, 64, 66, 128, 137, 255, 1000}) {
    CAPTURE(code);
    CHECK(exit_code_from_int(code) == ExitCode::internal);
  }
}

TEST_CASE("error exit codes have names", "[core][error]") {
  CHECK(std::string(exit_code_name(ExitCode::ok)) == "ok");
  CHECK(std::string(exit_code_name(ExitCode::usage)) == "usage error");
  CHECK(std::string(exit_code_name(ExitCode::data)) == "bad data");
  CHECK(std::string(exit_code_name(ExitCode::unavailable)) == "service unavailable");
  CHECK(std::string(exit_code_name(ExitCode::internal)) == "internal error");
  CHECK(std::string(exit_code_name(ExitCode::io)) == "I/O error");
  CHECK(std::string(exit_code_name(ExitCode::temporary)) == "temporary failure");
  CHECK(std::string(exit_code_name(ExitCode::interrupted)) == "interrupted");
  CHECK(std::string(exit_code_name(ExitCode::terminated)) == "terminated");
  CHECK(std::string(exit_code_name(static_cast<ExitCode>(42))) == "unknown");
}

} // namespace
} // namespace sluice::core
