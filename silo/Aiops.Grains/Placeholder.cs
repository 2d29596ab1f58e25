namespace Aiops.Grains;
