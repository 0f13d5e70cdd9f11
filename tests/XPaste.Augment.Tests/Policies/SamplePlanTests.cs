using XPaste.Augment;

namespace XPaste.Tests.Policies;

public sealed class SamplePlanTests
{
    [Fact]
    public void Plans_round_trip_through_json()
    {
        var plan = new SamplePlan(
            ulong.MaxValue - 3,
            5,
            "img5",
            new JitterPlan(100, 80, 160, 128, 3, 0, 64, 64, true),
            64,
            64,
            [
                new InstancePasteStep(2, "inst2", 7, -3, 10, 20, 12, true),
                new ImagePasteStep(1, "img1", JitterPlan.Identity(30, 40, 64, 64), [2, 0]),
            ]);
        string json = plan.ToJson();
        Assert.Contains("\"kind\":\"instance\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"image\"", json, StringComparison.Ordinal);
        SamplePlan back = SamplePlan.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(plan.Seed, back.Seed);
        Assert.Equal(plan.Jitter, back.Jitter);
        Assert.Equal(plan.Steps[0], back.Steps[0]);
        Assert.Equal([2, 0], ((ImagePasteStep)back.Steps[1]).Objects);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"seed\":1}")]
    [InlineData("{\"seed\":1,\"destination\":0,\"destinationId\":\"a\",\"width\":1,\"height\":1,\"steps\":[{\"kind\":\"teleport\"}]}")]
    public void Bad_plan_json_is_an_invalid_input(string json)
    {
        InvalidInputException e = Assert.ThrowsAny<InvalidInputException>(() => SamplePlan.FromJson(json));
        Assert.StartsWith("plan: ", e.Message, StringComparison.Ordinal);
    }
}
