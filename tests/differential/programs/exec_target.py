"""What exec_other.py runs in its place."""


def after(n):
    return n


for n in range(7):
    after(n)
print("python after exec")
