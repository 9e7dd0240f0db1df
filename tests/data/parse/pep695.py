def first[T](items: list[T]) -> T:
    return items[0]


class Box[T: (int, str), *Ts, **P]:
    def get(self) -> T: ...


type Alias = list[int]
