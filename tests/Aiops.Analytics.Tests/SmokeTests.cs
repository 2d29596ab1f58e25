namespace Aiops.Analytics.Tests;
