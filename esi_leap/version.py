"""The installed version of esi-leap, as pbr computes it."""
import pbr.version

version_info = pbr.version.VersionInfo('esi-leap')
