#!/bin/sh
# pcue-forcecommand.sh: sshd's ForceCommand for a node whose sshd also
# listens on package addresses (see sshd_config.pcue). A connection made to
# a package's address runs in that package through execsh(8):
#   ssh pkg01-addr                an interactive login shell of the package
#   ssh pkg01-addr 'cmd args'     cmd, run by /bin/sh -c inside the package
#   scp -O / scp / sftp           the client's scp or sftp-server command
# The client's command is SSH_ORIGINAL_COMMAND (sshd sets it under
# ForceCommand; for the sftp subsystem it is the Subsystem's command). A
# connection to the node's own address runs as without ForceCommand.
# Exit status: the command's, or execsh's (1 refused, 127 not found).
pkg=$(/corp/bin/getcpkg 2>/dev/null)
if [ -z "$pkg" ]; then
    if [ -n "${SSH_ORIGINAL_COMMAND-}" ]; then
        exec "${SHELL:-/bin/sh}" -c "$SSH_ORIGINAL_COMMAND"
    fi
    exec "${SHELL:-/bin/sh}" -l
fi
case ${SSH_ORIGINAL_COMMAND-} in
    '') exec /corp/bin/execsh "$pkg" ;;
    internal-sftp) exec /corp/bin/execsh "$pkg" /usr/lib/openssh/sftp-server ;;
    *) exec /corp/bin/execsh "$pkg" /bin/sh -c "$SSH_ORIGINAL_COMMAND" ;;
esac
