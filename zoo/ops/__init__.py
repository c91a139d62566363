"""Operations for the families' layers where a ``keras.ops`` function falls short on some
backend: each gives the ``keras.ops`` function's values, and says why it exists."""
