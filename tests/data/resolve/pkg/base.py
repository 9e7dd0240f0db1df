"""Bases in another file than their subclasses."""


class Root:  # @root_class
    def save(self):  # @root_save
        return self.saved  # ?saved => @root_saved

    def __init__(self):
        self.saved = False  # @root_saved


class Base(Root):  # @base_class ?Root => @root_class
    limit = 10  # @base_limit

    def save(self):  # @base_save
        super().save()  # ?save => @root_save ?super => builtin
        return super(Base, self).save()  # ?save => @root_save

    def run(self):  # @base_run
        """Run once."""
        return 1


class Mixin:  # @mixin
    def run(self):  # @mixin_run
        return 2


class Both(Mixin, Base):
    def go(self):
        return self.run(), self.save()  # ?run => @mixin_run ?save => @base_save


class Other(Base, Mixin):
    def go(self):
        return self.run()  # ?run => @base_run
