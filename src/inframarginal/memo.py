"""Caches scoped to a model: what is derived from a model lives on the model and goes with it.

The derived objects of a model (configurations, compiled closed forms, kernels, the
enumeration's tables...) used to sit in module-level ``functools.cache`` tables keyed
by the model, which kept every model ever seen alive: an upload to the explorer was
never freed.  :func:`model_cache` keeps them in a dictionary on the model object
itself, so a model that is no longer referenced frees its derived objects with it; the
number of entries per model is bounded by the model (its configurations and
structures).  Equal models built separately have separate caches (each computes once).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

_ATTRIBUTE = "_memo"
#: Models holding a cache, by id (weak: a model's entry disappears with it).
_LIVE: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()

F = TypeVar("F", bound=Callable[..., Any])


def model_store(model: Any) -> dict[Any, Any]:
    """The cache dictionary of ``model`` (created on first use; frozen dataclasses too)."""
    store: dict[Any, Any] | None = model.__dict__.get(_ATTRIBUTE)
    if store is None:
        store = {}
        object.__setattr__(model, _ATTRIBUTE, store)  # bypasses a frozen dataclass's __setattr__
        _LIVE[id(model)] = model
    return store


def model_cache(function: F) -> F:
    """Like :func:`functools.cache` for a function whose first argument is a model, but
    kept on the model (see the module's docstring).  ``cache_clear()`` clears it on every
    model alive.

    Examples
    --------
    >>> class Thing:
    ...     pass
    >>> calls = []
    >>> @model_cache
    ... def double(model, x):
    ...     calls.append(x)
    ...     return 2 * x
    >>> a, b = Thing(), Thing()
    >>> double(a, 1), double(a, 1), double(b, 1), len(calls)
    (2, 2, 2, 2)
    """

    @functools.wraps(function)
    def wrapper(model: Any, *args: Any, **kwargs: Any) -> Any:
        store = model_store(model)
        key = (wrapper, args, tuple(sorted(kwargs.items())) if kwargs else ())
        try:
            return store[key]
        except KeyError:
            pass
        value = function(model, *args, **kwargs)
        store[key] = value
        return value

    def cache_clear() -> None:
        for model in list(_LIVE.values()):
            store = model.__dict__.get(_ATTRIBUTE, {})
            for key in [k for k in store if k[0] is wrapper]:
                del store[key]

    wrapper.cache_clear = cache_clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
