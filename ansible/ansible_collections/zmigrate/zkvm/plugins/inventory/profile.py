# -*- coding: utf-8 -*-
# Copyright: zmigrate contributors
# Apache License 2.0 (see the LICENSE of the zmigrate repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: profile
short_description: The hosts of a zmigrate site profile, grouped by relocation domain
version_added: 0.1.0
description:
  - Makes the hosts a zmigrate site profile names an inventory - each host under its profile name, with
    C(ansible_host) its C(address), in a group per relocation domain (C(relocation-domains)) and a group
    named after the site.
  - The profile is read with C(zmigrate profile show --json) on the controller, not parsed here - zmigrate
    resolves it as its commands do (a file or a NAME found in C(~/.config/zmigrate/profiles) and
    C(/etc/zmigrate/profiles), C(defaults) merged into each host, every setting validated with file:line:col
    errors), so the inventory is exactly the site zmigrate migrates in. The cost is that zmigrate must be
    installed on the controller; a profile zmigrate rejects fails the inventory source with zmigrate's message.
  - The inventory file's name must end in C(zmigrate.yml) or C(zmigrate.yaml), e.g. C(dc1.zmigrate.yml).
options:
  plugin:
    description: This plugin.
    type: str
    required: true
    choices: [zmigrate.zkvm.profile]
  profile:
    description:
      - The site profile - a YAML file (a relative path is taken from the inventory file's directory) or a NAME
        zmigrate looks up. Unset, the profile zmigrate would choose (C(ZMIGRATE_PROFILE), then its discovery).
    type: str
  zmigrate_path:
    description:
      - The zmigrate executable on the controller. A bare name is looked up on C(PATH); a relative path is taken
        from the inventory file's directory.
    type: str
    default: zmigrate
  group_prefix:
    description: Prefix of the relocation domain groups (a domain C(east) with C(zdomain_) is the group C(zdomain_east)).
    type: str
    default: ''
  site_group:
    description: Put every host in a group named after the profile's C(site) (with I(group_prefix)).
    type: bool
    default: true
  ssh_vars:
    description:
      - Also set C(ansible_user) and C(ansible_port) from the profile's C(user) and C(port), when it sets them, for
        sites whose admins reach the hosts as zmigrate does. Off by default - zmigrate's login (often root with
        its own key) need not be Ansible's.
    type: bool
    default: false
extends_documentation_fragment:
  - constructed
notes:
  - Host variables set for every host - C(ansible_host), C(zmigrate_host) (the profile's name for it), C(zmigrate_site),
    C(zmigrate_profile) (the profile file), C(zmigrate_transport), C(zmigrate_libvirt_uri), C(zmigrate_migration_uri),
    C(zmigrate_relocation_domains); C(zmigrate_user) and C(zmigrate_port) when the profile sets them. A host with
    C(transport=local) (this machine, no SSH) gets C(ansible_connection=local).
"""

EXAMPLES = r"""
# dc1.zmigrate.yml
plugin: zmigrate.zkvm.profile
profile: /etc/zmigrate/profiles/dc1.yaml

# lab.zmigrate.yml, in a checkout of zmigrate (ansible/inventory/): the lab's profile and the built CLI
plugin: zmigrate.zkvm.profile
profile: ../../profiles/lab.yaml
zmigrate_path: ../../bin/run.js
keyed_groups:
  - key: zmigrate_transport
    prefix: transport
"""

import json
import os
import subprocess

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.process import get_bin_path
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = 'zmigrate.zkvm.profile'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(('zmigrate.yml', 'zmigrate.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        here = os.path.dirname(os.path.abspath(path))
        showing = self._profile_show(here)
        profile = showing.get('profile') or {}
        hosts = profile.get('hosts') or {}
        domains = profile.get('relocationDomains') or {}
        prefix = self.get_option('group_prefix') or ''
        strict = self.get_option('strict')

        site_group = None
        if self.get_option('site_group') and profile.get('site'):
            site_group = self.inventory.add_group(self._sanitize_group_name(prefix + profile['site']))
        domain_groups = dict((name, self.inventory.add_group(self._sanitize_group_name(prefix + name))) for name in domains)

        for name, host in hosts.items():
            self.inventory.add_host(name)
            member_of = sorted(d for d, members in domains.items() if name in members)
            variables = dict(
                ansible_host=host.get('address'),
                zmigrate_host=name,
                zmigrate_site=profile.get('site'),
                zmigrate_profile=profile.get('file'),
                zmigrate_transport=host.get('transport'),
                zmigrate_libvirt_uri=host.get('libvirtUri'),
                zmigrate_migration_uri=host.get('migrationUri'),
                zmigrate_relocation_domains=member_of,
            )
            if host.get('user') is not None:
                variables['zmigrate_user'] = host['user']
            if host.get('port') is not None:
                variables['zmigrate_port'] = host['port']
            if host.get('transport') == 'local':
                variables['ansible_connection'] = 'local'
            if self.get_option('ssh_vars'):
                if host.get('user') is not None:
                    variables['ansible_user'] = host['user']
                if host.get('port') is not None:
                    variables['ansible_port'] = host['port']
            for key, value in variables.items():
                if value is not None:
                    self.inventory.set_variable(name, key, value)
            if site_group:
                self.inventory.add_child(site_group, name)
            for d in member_of:
                self.inventory.add_child(domain_groups[d], name)

            hostvars = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option('compose'), hostvars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, name, strict=strict)

    def _executable(self, here):
        path = self.get_option('zmigrate_path') or 'zmigrate'
        if os.sep not in path:
            try:
                return get_bin_path(path)
            except ValueError:
                raise AnsibleParserError('%s not found on PATH; install zmigrate on the controller or set zmigrate_path' % path)
        return os.path.join(here, os.path.expanduser(path))

    def _profile_show(self, here):
        argv = [self._executable(here), 'profile', 'show', '--json']
        profile = self.get_option('profile')
        if profile:
            # a path (has a slash or a YAML suffix) is the inventory file's neighbour; a bare NAME is zmigrate's to find
            if os.sep in profile or profile.endswith(('.yaml', '.yml')):
                profile = os.path.join(here, os.path.expanduser(profile))
            argv += ['--profile', profile]
        env = dict(os.environ, NO_COLOR='1')
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            out, err = proc.communicate()
        except OSError as e:
            raise AnsibleParserError('cannot run %s: %s' % (argv[0], to_native(e)))
        try:
            doc = json.loads(to_text(out, errors='surrogate_or_strict'))
        except ValueError:
            raise AnsibleParserError(
                '%s exited %d without JSON: %s' % (' '.join(argv), proc.returncode, to_native(err).strip() or to_native(out).strip())
            )
        if proc.returncode != 0 or doc.get('ok') is False:
            error = doc.get('error') or {}
            raise AnsibleParserError(
                'zmigrate profile show: %s%s' % (
                    error.get('message', 'exit %d' % proc.returncode),
                    (' Remedy: %s' % error['remedy']) if error.get('remedy') else '',
                )
            )
        return doc
