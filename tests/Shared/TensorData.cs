using static TorchSharp.torch;

namespace XPaste.Tests;

/// <summary>Builds small tensors from arrays and reads them back.</summary>
internal static partial class T
{
    public static Tensor Bytes(byte[] values, params long[] shape) => tensor(values, shape, ScalarType.Byte);

    public static Tensor Filled(byte value, params long[] shape) => full(shape, value, ScalarType.Byte);

    /// <summary>A bool [H,W] mask with the rectangle [x0,x1) x [y0,y1) set.</summary>
    public static Tensor Rect(int h, int w, int x0, int y0, int x1, int y1)
    {
        Tensor m = zeros([h, w], ScalarType.Bool);
        m.narrow(0, y0, y1 - y0).narrow(1, x0, x1 - x0).fill_(true);
        return m;
    }

    /// <summary>An opaque uint8 [4,h,w] instance of one colour.</summary>
    public static Tensor Opaque(int h, int w, byte r = 200, byte g = 100, byte b = 50)
    {
        Tensor t = empty([4, h, w], ScalarType.Byte);
        t[0].fill_(r);
        t[1].fill_(g);
        t[2].fill_(b);
        t[3].fill_(255);
        return t;
    }

    public static byte[] ToBytes(Tensor t) => t.cpu().contiguous().data<byte>().ToArray();

    public static float[] ToFloats(Tensor t) => t.cpu().contiguous().to(ScalarType.Float32).data<float>().ToArray();

    public static long[] ToLongs(Tensor t) => t.cpu().contiguous().to(ScalarType.Int64).data<long>().ToArray();

    public static bool[] ToBools(Tensor t) => t.cpu().contiguous().data<bool>().ToArray();
}
