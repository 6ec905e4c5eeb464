"""Writer for the tiny fixture container the C tests read (see tests/testutil.h):
magic b"HKFX", u32 count, then per array: u32 name length, name bytes, u32 ndim, u32 dims,
float32 little-endian data."""
import struct

import numpy as np


def write(path, arrays):
    """arrays: dict name -> array-like (converted to float32)."""
    with open(path, "wb") as f:
        f.write(b"HKFX")
        f.write(struct.pack("<I", len(arrays)))
        for name, a in arrays.items():
            a = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
            nb = name.encode()
            f.write(struct.pack("<I", len(nb)))
            f.write(nb)
            f.write(struct.pack("<I", a.ndim))
            for d in a.shape:
                f.write(struct.pack("<I", d))
            f.write(a.tobytes())
