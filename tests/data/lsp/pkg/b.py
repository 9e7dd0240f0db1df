from pkg.a import helper, Greeter

value = helper(2)
label = "日本語 😀"; other = helper(3)
g = Greeter()
print(undefined_name)
