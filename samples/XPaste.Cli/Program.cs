Console.WriteLine("xpaste");
