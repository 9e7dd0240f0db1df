"""A script beside the package: absolute imports from the root."""
import pkg.models  # ?models => pkg/models.py:1
from pkg import Model, looped, Base  # ?pkg => pkg/__init__.py:1
from pkg.models import helper as aide  # ?helper => @helper
from app_helpers import assist  # ?assist => @assist

built: Model = Model()  # @built

built.helper(1)  # ?built => @built ?helper => @model_helper
Model().helper(1)  # ?helper => dynamic
Model.go  # ?go => @go
pkg.models.helper  # ?helper => @helper
aide, looped  # ?aide => @helper ?looped => unresolved
list = [Base]  # @shadow_list
list.append(assist)  # ?list => @shadow_list ?append => dynamic ?assist => @assist
import pkg.sub  # ?sub => pkg/sub/__init__.py:1
pkg.sub.leaf.grow  # ?leaf => pkg/sub/leaf.py:1 ?grow => @grow
