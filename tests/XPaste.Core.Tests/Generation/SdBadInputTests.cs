using System.Collections;
using System.Text.Json.Nodes;
using TorchSharp.PyBridge;
using XPaste.Generation;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation;

/// <summary>Inputs that cannot be used: each exception names the file and the problem.</summary>
public sealed class SdBadInputTests
{
    [Fact]
    public void Folder_without_model_index_is_refused()
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path, "model_index.json");
        var error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained(copy));
        Assert.Equal(copy, error.Input);
        Assert.Contains("model_index.json is missing", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_without_a_sub_folder_is_refused()
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path, "unet");
        var error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained(copy));
        Assert.Equal(Path.Combine(copy, "unet"), error.Input);
        Assert.Contains("'unet' sub-folder", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_weights_name_the_file()
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path);
        string weights = Path.Combine(copy, "unet", "diffusion_pytorch_model.safetensors");
        using (var stream = new FileStream(weights, FileMode.Open))
        {
            stream.SetLength(stream.Length - 1000);
        }

        var error = Assert.Throws<InvalidWeightsException>(() => StableDiffusionModels.FromPretrained(copy));
        Assert.Equal(weights, error.Input);
        Assert.Contains("truncated", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatched_weights_list_what_does_not_fit()
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path);
        string weights = Path.Combine(copy, "unet", "diffusion_pytorch_model.safetensors");
        Dictionary<string, Tensor> tensors = StateDictFile.LoadSafetensors(weights);
        tensors.Remove("conv_in.bias");
        tensors["conv_out.weight"] = zeros(4, 32, 1, 1);
        tensors["extra.weight"] = zeros(2);
        StateDictFile.SaveSafetensors(weights, tensors);
        var error = Assert.Throws<WeightsMismatchException>(() => StableDiffusionModels.FromPretrained(copy));
        Assert.Equal(weights, error.Input);
        Assert.Equal(["conv_in.bias"], error.Report.Missing);
        Assert.Equal(["extra.weight"], error.Report.Unexpected);
        Assert.Equal("conv_out.weight", Assert.Single(error.Report.Mismatched).Name);
    }

    [Theory]
    [InlineData("down_block_types", "[\"CrossAttnDownBlock2D\", \"SimpleDownBlock2D\"]", "unknown down block type 'SimpleDownBlock2D'")]
    [InlineData("up_block_types", "[\"UpBlock2D\", \"AttnUpBlock2D\"]", "unknown up block type 'AttnUpBlock2D'")]
    [InlineData("mid_block_type", "\"UNetMidBlock2DSimpleCrossAttn\"", "unknown mid block type 'UNetMidBlock2DSimpleCrossAttn'")]
    [InlineData("block_out_channels", null, "required key 'block_out_channels' is missing")]
    [InlineData("layers_per_block", "\"two\"", "'layers_per_block' must be an integer")]
    [InlineData("attention_head_dim", "[2, 2, 2]", "'attention_head_dim' lists 3 values but there are 2 blocks")]
    [InlineData("class_embed_type", "\"timestep\"", "'class_embed_type' is timestep")]
    public void Bad_unet_config_names_the_file_and_the_key(string key, string? value, string problem)
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path);
        string config = Path.Combine(copy, "unet", "config.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        json.Remove(key);
        if (value is not null)
        {
            json[key] = JsonNode.Parse(value);
        }

        File.WriteAllText(config, json.ToJsonString());
        var error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained(copy));
        Assert.Equal(config, error.Input);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_vae_and_text_encoder_configs_name_their_files()
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path);
        string vae = Path.Combine(copy, "vae", "config.json");
        File.WriteAllText(vae, File.ReadAllText(vae).Replace("\"UpDecoderBlock2D\",\n    \"UpDecoderBlock2D\",\n    \"UpDecoderBlock2D\",\n    \"UpDecoderBlock2D\"",
            "\"UpDecoderBlock2D\", \"UpDecoderBlock2D\", \"UpDecoderBlock2D\", \"AttnUpDecoderBlock2D\"", StringComparison.Ordinal));
        var error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained(copy));
        Assert.Equal(vae, error.Input);
        Assert.Contains("unknown up block type 'AttnUpDecoderBlock2D'", error.Problem, StringComparison.Ordinal);

        string text = Path.Combine(copy, "text_encoder", "config.json");
        var json = JsonNode.Parse(File.ReadAllText(text))!.AsObject();
        json.Remove("hidden_size");
        File.WriteAllText(text, json.ToJsonString());
        error = Assert.Throws<InvalidInputException>(() => ClipTextModel.ReadConfig(text));
        Assert.Equal(text, error.Input);
        Assert.Contains("'hidden_size'", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Single_file_keys_that_map_nowhere_are_named()
    {
        using var temp = new TempFolder();
        string source = Path.Combine(SdTinyFixture.Folder, "single_file", "sd_tiny_unet_vae_ldm.fp16.safetensors");
        Dictionary<string, Tensor> tensors = StateDictFile.LoadSafetensors(source);
        tensors["model.diffusion_model.input_blocks.99.0.weight"] = zeros(1);
        tensors["model_ema.decay"] = zeros(1);
        tensors["alphas_cumprod"] = zeros(1000);
        string path = temp.File("bad.safetensors");
        StateDictFile.SaveSafetensors(path, tensors);
        var error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained(path,
            new StableDiffusionLoadOptions { ConfigFolder = SdTinyFixture.Folder }));
        Assert.Equal(path, error.Input);
        Assert.Contains("1 tensor(s) map to no SD 1.x model parameter", error.Problem, StringComparison.Ordinal);
        Assert.Contains("model.diffusion_model.input_blocks.99.0.weight", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Single_file_ckpt_loads_through_the_safe_unpickler_like_the_safetensors_file()
    {
        using var temp = new TempFolder();
        string source = Path.Combine(SdTinyFixture.Folder, "single_file", "sd_tiny_unet_vae_ldm.fp16.safetensors");
        Dictionary<string, Tensor> tensors = StateDictFile.LoadSafetensors(source);
        string ckpt = temp.File("sd_tiny.ckpt");
        using (var stream = File.Create(ckpt))
        {
            PyTorchPickler.PickleStateDict(stream, new Hashtable(tensors));
        }

        var options = new StableDiffusionLoadOptions { ConfigFolder = SdTinyFixture.Folder };
        using var fromCkpt = StableDiffusionModels.FromPretrained(ckpt, options);
        using var fromSafetensors = StableDiffusionModels.FromPretrained(source, options);
        var expected = fromSafetensors.Unet.state_dict();
        Assert.All(fromCkpt.Unet.state_dict(), kv => TensorAssert.Equal(expected[kv.Key], kv.Value));
    }

    [Fact]
    public void Unknown_path_is_refused()
    {
        var error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained("/no/such/model"));
        Assert.Equal("/no/such/model", error.Input);
        using var temp = new TempFolder();
        string other = temp.File("weights.onnx");
        File.WriteAllText(other, "x");
        error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained(other));
        Assert.Equal(other, error.Input);
        Assert.Contains("expected .safetensors or .ckpt", error.Problem, StringComparison.Ordinal);
    }
}
