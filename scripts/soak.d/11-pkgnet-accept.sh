#!/bin/bash
# pkgnet -a under the same churn as 10-pkgnet: every service a `wait`
# service served by a resident accepting pkgnet; its memory stays flat.
SOAK_PKGNET_MODE=accept exec bash "$(dirname "$0")/10-pkgnet.sh" "$@"
