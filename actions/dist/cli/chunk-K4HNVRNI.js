import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
var I="built-in default",t="not loaded";export{I as a,t as b};
