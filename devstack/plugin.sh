#!/bin/bash
# plugin.sh - DevStack plugin of esi-leap: dispatches DevStack's phases.
#
# local.conf: enable_plugin esi-leap <repository URL> [branch]
# The work is done by the functions of devstack/lib/esi-leap.

# shellcheck source=devstack/lib/esi-leap
source "$ESI_LEAP_DIR/devstack/lib/esi-leap"

if is_esi_leap_enabled; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing esi-leap"
        install_esi_leap
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring esi-leap"
        configure_esi_leap
        init_esi_leap
        if is_service_enabled key keystone; then
            create_esi_leap_accounts
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting esi-leap"
        start_esi_leap
    fi

    if [[ "$1" == "unstack" ]]; then
        echo_summary "Stopping esi-leap"
        stop_esi_leap
    fi

    if [[ "$1" == "clean" ]]; then
        echo_summary "Cleaning up esi-leap"
        cleanup_esi_leap
    fi
fi
