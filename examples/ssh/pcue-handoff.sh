# /etc/profile.d/pcue-handoff.sh: the paper's hand-off, for logins on the
# node (ssh, telnet) that arrived on a package's address.
#
# Sourced by every login shell of the SYSTEM context. When the connection
# this login came in on (sshd's SSH_CONNECTION, a socket on stdin, or a
# parent daemon's socket) was made to a package's address, the shell is
# replaced by execsh(8) into that package: the same user, a login shell of
# the package, on a terminal of the package's devpts. Inside the package
# (ctxROOT is /PKG) and for logins to the node's own addresses it does
# nothing. The user needs an account with the same uid in the package's
# /etc/passwd; without one execsh refuses and the login ends.
# `ssh node command` does not read profiles: use the ForceCommand recipe
# (sshd_config.pcue) for commands, scp and sftp.
if [ "${ctxROOT:-/}" = / ] && [ -x /corp/bin/getcpkg ] && [ -x /corp/bin/execsh ]; then
    pcue_pkg=$(/corp/bin/getcpkg 2>/dev/null)
    if [ -n "$pcue_pkg" ]; then
        exec /corp/bin/execsh "$pcue_pkg"
    fi
    unset pcue_pkg
fi
