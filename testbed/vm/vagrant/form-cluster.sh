#!/bin/sh
# Vagrant provisioning step "cluster": joins this VM to the Shoal cluster.
# Not done yet: the manager and agent (issues 8 and 9) have not landed, so there is nothing
# to start. This step says so and succeeds, so that `vagrant up` still gives provisioned VMs.
echo "shoal: cluster formation for ${SHOAL_ROLE:-?} ${SHOAL_NODE_IP:-?} is NOT done:" \
  "waiting for the manager and agent of issues 8/9; the VM is provisioned but not in a cluster."
exit 0
