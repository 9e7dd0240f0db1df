"""Models: subclasses of bases in another file, names that shadow others."""
import os
import pkg.base  # ?pkg => pkg/__init__.py:1 ?base => pkg/base.py:1
import pkg.util as util  # ?pkg => pkg/__init__.py:1
from . import base as b  # ?base => pkg/base.py:1
from .base import Base, Root as R  # ?Root => @root_class
from .chain1 import deep  # ?chain1 => pkg/chain1.py:1
from .util import *

max = 3  # @shadow_max
TOTAL = 0  # @total0


def helper(limit):  # @helper
    """Help with a limit."""
    return limit, max, len(deep())  # ?limit => @helper ?max => @shadow_max ?len => builtin ?deep => @deep


def add():
    global TOTAL
    TOTAL = TOTAL + 1  # @total_add ?TOTAL#2 => @total0
    return TOTAL  # ?TOTAL => @total_add


def counter():
    count = 0  # @count0
    def bump():
        nonlocal count
        count += 1  # @count_bump
        return count  # ?count => @count_bump
    return bump, count  # ?count => @count0


class Model(Base):  # @model
    limit = 20  # @model_limit ?limit => @base_limit

    def helper(self, limit):  # @model_helper
        items = [limit for limit in range(3)]  # @comp
        return limit, helper(limit), self.helper(limit), items  # ?limit => @model_helper ?helper => @helper ?helper#2 => @model_helper ?items => @comp

    def go(self, other: Base, thing):  # @go
        self.run()  # ?run => @base_run
        other.run()  # ?other => @go ?run => @base_run
        thing.run()  # ?thing => @go ?run => dynamic
        os.path.join("a")  # ?os => unresolved ?path => unresolved ?join => unresolved
        util.tool()  # ?util => pkg/util.py:1 ?tool => @util_tool
        pkg.base.Root  # ?pkg => pkg/__init__.py:1 ?base => pkg/base.py:1 ?Root => @root_class
        b.Base.limit  # ?Base => @base_class ?limit => @base_limit
        R, star_name, tool  # ?R => @root_class ?star_name => @util_star ?tool => @util_tool
        "x".join("y")  # ?join => dynamic
        helper(limit=1)  # ?limit => @helper
        self.helper(limit=2)  # ?limit => @model_helper
        print(self.saved)  # ?print => builtin ?saved => @root_saved
        return Model.limit  # ?Model => @model ?limit => @model_limit

    @classmethod
    def make(cls):
        return cls.limit  # ?limit => @model_limit

    @staticmethod
    def pure(self_like):  # @pure
        return self_like.run()  # ?self_like => @pure ?run => dynamic


def dataclass(cls):
    return cls


@dataclass
class Point(Base):  # @point
    x: int = 0  # @point_x


Point(x=1)  # ?x => dynamic ?Point => @point


class Sub(Model):
    def save(self):
        super(Sub, self).save()  # ?save => @base_save
        return super(Model, self).save()  # ?save => dynamic


REGISTRY = {}  # @registry


def register(key, value):
    REGISTRY[key] = value  # ?REGISTRY => @registry
