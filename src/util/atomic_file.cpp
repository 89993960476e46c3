#include "pgrepl/util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pgrepl {

Status write_file_atomically(const std::string& path, std::string_view content, mode_t mode) {
    const auto failed = [&](const std::string& what) {
        return make_error(ErrorKind::Usage,
                          "cannot write " + path + ": " + what + ": " + std::strerror(errno),
                          "check that the directory exists and that pgrepl may write there");
    };
    std::string temp = path + ".tmp.XXXXXX";
    const int fd = mkstemp(temp.data());
    if (fd < 0) return failed("cannot create a temporary file beside it");
    const auto cleanup = [&] {
        const int saved = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        errno = saved;
    };
    for (std::size_t done = 0; done < content.size();) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            cleanup();
            return failed("write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
        cleanup();
        return failed("fchmod/fsync");
    }
    if (::close(fd) != 0) {
        ::unlink(temp.c_str());
        return failed("close");
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        return failed("rename");
    }
    return ok_status();
}

}  // namespace pgrepl
