#!/bin/sh
# Record what Pacemaker answers for each parameter the registry reads in
# cib-reading.xml: `crm_resource -r RSC -g PARAM` offline (CIB_file), no
# node given (a rule on #uname then fails). One line per parameter:
# RSC PARAM VALUE, with - when Pacemaker finds no value.
# Run from this directory: ./cib-reading.sh > cib-reading.answers
set -eu
for rp in ip_score:ip ip_tie:ip ip_pkgscore:ip ip_b:ip ip_rule:ip ip_rule2:ip \
    ip_rulefix:ip ip_ref:ip ip_ref2:ip ip_tpl_own:ip ip_tpl:ip ip_def:ip ip_inh:ip \
    pcue_score:package pcue_pkgscore:package pcue_b:package pcue_rule:package \
    pcue_ref:package pcue_tpl:package pcue_inh:package pcue_inh:root; do
    r=${rp%:*} p=${rp#*:}
    v=$(CIB_file=cib-reading.xml crm_resource -r "$r" -g "$p" 2>/dev/null) || v=-
    case $v in ''|"Attribute '$p' not found"*) v=- ;; esac
    echo "$r $p $v"
done
