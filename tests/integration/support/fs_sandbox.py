"""A small real filesystem for disk-full and read-only tests, in a private mount namespace.

    fs_sandbox.enter_private_mount_namespace()   # first thing in the script: re-executes it
    box = Sandbox("8m")              # a tmpfs of 8 MiB mounted at box.path
    box.path / box.inside(name)      # ordinary paths (for mailjar, sqlite3, open())
    box.fill() / box.unfill()        # a filler file takes every free byte / is removed
    box.remount("ro") / ("rw")       # -> (ok, stderr); Linux refuses ro (EBUSY) while a file is open for writing
    box.close()                      # lazy unmount

enter_private_mount_namespace() re-executes the calling script under `unshare -m` (as root, as in
CI) or `unshare -rm` (otherwise: the user becomes root of a new user namespace, where a tmpfs may
be mounted too), so every mount the script makes is seen only by the script and the mailjar
processes it starts, and disappears when the script exits. Nothing is mounted in the caller's
namespace. util-linux (unshare) and mount are in every Debian install.
"""

import atexit
import errno
import os
import subprocess
import sys

from . import mailjar

_ENV = "MAILJAR_TEST_MOUNT_NS"
_boxes = []


def enter_private_mount_namespace():
    if os.environ.get(_ENV) == str(os.getpid()):
        return
    if os.environ.get(_ENV) == "exec":
        raise RuntimeError("unshare ran, but the script is not in its own mount namespace")
    if not _root_is_a_mount_point():
        # unshare's --propagation private is `mount --make-rprivate /`, which needs "/" to be a
        # mount point; anything weaker could leak the test's mounts to the caller's namespace.
        raise RuntimeError("the root directory is not a mount point (a plain chroot?): bind-mount the "
                           "root onto itself first (mount --bind ROOT ROOT), as every real system, "
                           "container or VM has it")
    os.environ[_ENV] = "exec"
    flags = ["-m", "--propagation", "private"] if os.geteuid() == 0 else ["-r", "-m", "--propagation", "private"]
    script = 'MAILJAR_TEST_MOUNT_NS=$$ exec "$@"'  # the pid stays the same through exec
    argv = ["unshare"] + flags + ["sh", "-c", script, "sh", sys.executable, os.path.abspath(sys.argv[0])] + sys.argv[1:]
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvp("unshare", argv)
    except OSError as e:
        raise RuntimeError(f"cannot run unshare (util-linux) for a private mount namespace: {e}") from e


def _root_is_a_mount_point():
    try:
        with open("/proc/self/mountinfo") as f:
            return any(line.split()[4] == "/" for line in f if len(line.split()) > 4)
    except OSError:
        return True  # no /proc: let unshare report what it finds


@atexit.register
def _close_all():
    for b in list(_boxes):
        b.close()


class Sandbox:
    def __init__(self, size="8m"):
        if os.environ.get(_ENV) != str(os.getpid()):
            raise RuntimeError("call fs_sandbox.enter_private_mount_namespace() first")
        self.path = mailjar.temp_dir("mailjar-fs-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "mailjar-test", self.path],
                           capture_output=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"cannot mount a tmpfs at {self.path}: {r.stderr.decode(errors='replace')}")
        _boxes.append(self)

    def inside(self, name):
        return os.path.join(self.path, name)

    def remount(self, mode):
        r = subprocess.run(["mount", "-o", f"remount,{mode}", self.path], capture_output=True, timeout=30)
        return r.returncode == 0, r.stderr.decode(errors="replace")

    def free_bytes(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, leave=0):
        """Write a filler file until the filesystem is full (ENOSPC), keeping `leave` bytes free."""
        chunk = b"\0" * 65536
        with open(self.inside("filler"), "ab") as f:
            while True:
                want = self.free_bytes() - leave
                if want <= 0:
                    break
                try:
                    f.write(chunk[:min(len(chunk), want)])
                    f.flush()
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
        return os.path.getsize(self.inside("filler"))

    def unfill(self):
        try:
            os.unlink(self.inside("filler"))
        except FileNotFoundError:
            pass

    def server(self, *flags, db_name="mailjar.db", **kw):
        """A mailjar.Server with its database `db_name` in the sandbox."""
        kw.setdefault("expect", ["smtp", "http"])
        return mailjar.Server(*flags, db=self.inside(db_name), **kw)

    def close(self):
        if self in _boxes:
            _boxes.remove(self)
            subprocess.run(["umount", "-l", self.path], capture_output=True, timeout=30)


class Ext4Image:
    """An ext4 file system in an image file, loop-mounted at `path` with errors=remount-ro, so a
    file system error turns it read-only under running processes (what the kernel does to a
    failing disk). Needs root (loop devices), mkfs.ext4 and e2fsck (e2fsprogs, in every Debian)."""

    def __init__(self, size_mb=32):
        if os.environ.get(_ENV) != str(os.getpid()):
            raise RuntimeError("call fs_sandbox.enter_private_mount_namespace() first")
        work = mailjar.temp_dir("mailjar-ext4-")
        self.image = os.path.join(work, "fs.img")
        self.path = os.path.join(work, "mnt")
        os.mkdir(self.path)
        with open(self.image, "wb") as f:
            f.truncate(size_mb << 20)
        self._run(["mkfs.ext4", "-q", "-F", self.image])
        self._mount()
        _boxes.append(self)

    @staticmethod
    def _run(argv, ok=(0,)):
        r = subprocess.run(argv, capture_output=True, timeout=60)
        if r.returncode not in ok:
            raise RuntimeError(f"{argv}: exit {r.returncode}: {r.stderr.decode(errors='replace')}")
        return r

    def _mount(self):
        self._run(["mount", "-o", "loop,errors=remount-ro", self.image, self.path])
        src = self._run(["findmnt", "-n", "-o", "SOURCE", self.path]).stdout.decode().strip()
        self.device = os.path.basename(src)

    def inside(self, name):
        return os.path.join(self.path, name)

    def read_only(self):
        """True when creating a file fails with EROFS."""
        try:
            with open(self.inside(".probe"), "w"):
                pass
        except OSError as e:
            if e.errno == errno.EROFS:
                return True
            raise
        os.unlink(self.inside(".probe"))
        return False

    def fail(self):
        """A file system error (ext4's test hook): the journal aborts, the mount turns read-only."""
        with open(f"/sys/fs/ext4/{self.device}/trigger_fs_error", "w") as f:
            f.write("durability test\n")

    def repair(self):
        """Unmount, e2fsck -fy (exit 1: errors fixed), mount again read-write."""
        self._run(["umount", self.path])
        self._run(["e2fsck", "-f", "-y", self.image], ok=(0, 1))
        self._mount()

    def close(self):
        if self in _boxes:
            _boxes.remove(self)
            subprocess.run(["umount", "-l", self.path], capture_output=True, timeout=30)
