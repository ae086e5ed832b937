"""Finding and loading plugins: the one PluginManager of a run.

Built-in targets load exactly like third-party ones, from the ``tidtam`` entry-point group.
When running from a plain checkout (nothing installed), the entry points are not there, so
the same modules are named in ``BUILTIN_PLUGINS`` as a fallback. Core never imports them
itself: they are strings until a load is asked for.
"""
from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata

import pluggy

from . import hookspecs
from .contract import TargetSpec

ENTRY_POINT_GROUP = "tidtam"
BUILTIN_PLUGINS = {
    "emenscr": "tidtam.plugins.emenscr",
    "emes": "tidtam.plugins.emes",
    "inspection": "tidtam.plugins.inspection",
}
ALLOW_ENV = "TIDTAM_PLUGINS"  # comma-separated names; unset = load all
STRICT_ENV = "TIDTAM_STRICT_PLUGINS"  # "1": a broken plugin stops the run (for plugin authors)


class PluginLoadError(RuntimeError):
    pass


@dataclass
class LoadedPlugin:
    name: str
    origin: str  # "entry point: dist 1.2" or "built-in"
    version: str
    module: object | None = None
    error: str | None = None


@dataclass
class PluginRegistry:
    """Plugins that loaded, those that failed, and the targets they registered."""

    manager: pluggy.PluginManager
    plugins: list[LoadedPlugin] = field(default_factory=list)
    targets: dict[str, TargetSpec] = field(default_factory=dict)
    target_owner: dict[str, str] = field(default_factory=dict)
    _registered: dict = field(default_factory=dict, repr=False)  # hook → what it registered

    @property
    def hook(self):
        return self.manager.hook

    @property
    def broken(self) -> list[LoadedPlugin]:
        return [p for p in self.plugins if p.error]

    def target(self, name: str) -> TargetSpec:
        try:
            return self.targets[name]
        except KeyError:
            known = ", ".join(sorted(self.targets)) or "(ไม่มี)"
            raise PluginLoadError(f'ไม่รู้จักเป้าหมาย "{name}" — เป้าหมายที่มี: {known}') from None

    def hooks_for(self, target: str) -> "TargetHooks":
        """The hooks of ``target`` alone: each call reaches only the plugin that registered it."""
        self.target(target)
        return TargetHooks(self.manager, self.manager.get_plugin(self.target_owner[target]))

    def registered(self, hook: str) -> list[tuple[str, object]]:
        """``(plugin name, thing)`` for each ``register(thing)`` a plugin makes in ``hook`` (one of
        the hooks taking a ``register`` callback), in load order. Each plugin is called on its own,
        once per registry, so a failure is pinned to its plugin and reported."""
        if hook not in self._registered:
            by_name, found = {p.name: p for p in self.plugins}, []
            for impl in getattr(self.manager.hook, hook).get_hookimpls():
                mine: list = []
                try:
                    impl.function(*[{"register": mine.append}[arg] for arg in impl.argnames])
                except Exception as exc:
                    _fail(by_name.get(impl.plugin_name), f"{hook}: {type(exc).__name__}: {exc}")
                    continue
                found.extend((impl.plugin_name, thing) for thing in mine)
            self._registered[hook] = found
        return self._registered[hook]

    def unique(self, hook: str, name_of, what: str, taken: dict[str, str] | None = None) -> dict[str, tuple[str, object]]:
        """What ``hook`` registered, by name: ``{name: (plugin, thing)}``, once per registry. A name
        already ``taken`` (``{name: who}``: ``{"progress": "ตัวระบบ"}`` for core's own, or an earlier
        plugin's) is refused and the plugin reported (Thai, ``what`` names the kind of thing)."""
        if (hook, "unique") not in self._registered:
            owners, found, by_name = dict(taken or {}), {}, {p.name: p for p in self.plugins}
            for plugin, thing in self.registered(hook):
                name = name_of(thing)
                if name in owners:
                    _fail(by_name.get(plugin), f'{what} "{name}" มี{owners[name]} ลงทะเบียนไว้แล้ว')
                    continue
                owners[name], found[name] = f'ปลั๊กอิน "{plugin}"', (plugin, thing)
            self._registered[(hook, "unique")] = found
        return self._registered[(hook, "unique")]

    def hooks_of(self, plugin: LoadedPlugin) -> list[str]:
        if plugin.module is None:
            return []
        return sorted(h.name for h in self.manager.get_hookcallers(plugin.module) or [])


class TargetHooks:
    """``hook.<name>(...)`` as pluggy calls it, with every plugin but the target's owner left out."""

    def __init__(self, manager: pluggy.PluginManager, owner: object):
        self._manager = manager
        self._others = [p for p in manager.get_plugins() if p is not owner]

    def __getattr__(self, name: str):
        caller = self._manager.subset_hook_caller(name, self._others)
        setattr(self, name, caller)  # made once per name
        return caller


def load_plugins() -> PluginRegistry:
    """Load every allowed plugin, each on its own: one broken plugin never stops the others."""
    manager = pluggy.PluginManager("tidtam")
    manager.add_hookspecs(hookspecs)
    registry = PluginRegistry(manager)
    raw = os.environ.get(ALLOW_ENV)
    allowed = None if raw is None else {name.strip() for name in raw.split(",") if name.strip()}

    # Built-ins first, then the rest by name: a third-party plugin cannot take a built-in
    # target's name, and the order never depends on sys.path.
    entry_points = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name not in BUILTIN_PLUGINS, e.name))
    for entry_point in entry_points:
        if allowed is not None and entry_point.name not in allowed:
            continue
        dist = entry_point.dist
        origin = f"entry point: {dist.name} {dist.version}" if dist else "entry point"
        _load_one(registry, entry_point.name, origin, dist.version if dist else "", entry_point.load)

    loaded = {p.name for p in registry.plugins}
    for name, module_path in BUILTIN_PLUGINS.items():
        if name in loaded or (allowed is not None and name not in allowed):
            continue
        _load_one(registry, name, "built-in", "", lambda path=module_path: importlib.import_module(path))

    for name, (plugin, spec) in registry.unique("register_targets", lambda spec: spec.name, "เป้าหมาย").items():
        registry.targets[name], registry.target_owner[name] = spec, plugin
    return registry


def _load_one(registry: PluginRegistry, name: str, origin: str, version: str, load) -> None:
    plugin = LoadedPlugin(name=name, origin=origin, version=version)
    registry.plugins.append(plugin)
    try:
        module = load()
        registry.manager.register(module, name=name)
    except Exception as exc:  # a plugin may fail in any way; report it and go on
        _fail(plugin, f'โหลดปลั๊กอิน "{name}" ({origin}) ไม่ได้: {type(exc).__name__}: {exc}')
        return
    plugin.module = module
    plugin.version = getattr(module, "__version__", "") or version or "-"


def _fail(plugin: LoadedPlugin | None, error: str) -> None:
    if plugin is not None:
        plugin.error = error
    if os.environ.get(STRICT_ENV) == "1":
        raise PluginLoadError(error)
    print(f"คำเตือน: {error}", file=sys.stderr)
